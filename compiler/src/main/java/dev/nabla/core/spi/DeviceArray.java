package dev.nabla.core.spi;

import dev.nabla.core.Device;
import dev.nabla.core.NDArray;

/**
 * The values of one array in a device's own memory, made and owned by that device's backend.
 * Immutable like the {@link NDArray} that holds it.
 */
public interface DeviceArray {
    Device device();

    /** Copies the values to the host, into {@code storage} (float[] for f32, else double[]). */
    void copyTo(Object storage);
}
