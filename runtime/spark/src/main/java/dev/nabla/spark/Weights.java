package dev.nabla.spark;

import dev.nabla.io.SafeTensors;
import dev.nabla.core.NDArray;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The model's parameters as the driver broadcasts them, by PyTorch's names: one version per
 * training step, so an executor loads them once per step whatever the number of its tasks. They
 * travel as the bytes of a safetensors file, which every Spark serializer carries (Kryo, which
 * clusters often configure, cannot rebuild records or the JDK's immutable collections).
 */
final class Weights implements Serializable {
    private final long version;
    private final byte[] tensors;

    private Weights(long version, byte[] tensors) {
        this.version = version;
        this.tensors = tensors;
    }

    static Weights of(long version, Map<String, NDArray> state) {
        var out = new ByteArrayOutputStream();
        try {
            SafeTensors.write(out, state, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a byte array stream does not fail
        }
        return new Weights(version, out.toByteArray());
    }

    long version() {
        return version;
    }

    /** The parameters by name, in the driver's order. */
    Map<String, NDArray> toMap() {
        try {
            return SafeTensors.read(new ByteArrayInputStream(tensors), tensors.length,
                    "the parameters broadcast for step " + version).tensors();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
