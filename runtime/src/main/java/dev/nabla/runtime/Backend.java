package dev.nabla.runtime;

import dev.nabla.core.NDArray;
import dev.nabla.core.Device;
import dev.nabla.core.spi.DeviceArray;

import dev.nabla.compiler.Program;
import java.util.List;

/**
 * A way to run programs, found at run time through {@link java.util.ServiceLoader}: adding a
 * backend's jar to the class path is all it takes to use it.
 */
public interface Backend {
    /** A short, unique name, e.g. "reference". */
    String name();

    /** Preference when choosing the best device: higher wins. */
    int priority();

    /** The devices this backend can run on right now (empty when, say, no driver is present). */
    List<Device> devices();

    /** Why {@link #devices()} is empty (a missing driver or launch option), or null. */
    default String problem() {
        return null;
    }

    /** Compiles a program for one of this backend's devices. */
    Executable compile(Program program, Device device);

    /**
     * Copies a host array into the memory of one of this backend's devices. Only backends with
     * devices that have memory of their own implement it.
     */
    default DeviceArray upload(NDArray value, Device device) {
        throw new UnsupportedOperationException(name() + " keeps values in Java arrays; " + device
                + " needs no upload");
    }
}
