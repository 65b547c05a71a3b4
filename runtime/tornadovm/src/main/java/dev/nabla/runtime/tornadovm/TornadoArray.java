package dev.nabla.runtime.tornadovm;

import dev.nabla.core.Device;
import dev.nabla.core.spi.DeviceArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * An array placed on a TornadoVM device: its values staged in TornadoVM's off-heap memory, from
 * where a program's task graph moves them to the device with the first run that reads them.
 */
record TornadoArray(Device device, TornadoNativeArray values, int size) implements DeviceArray {
    @Override
    public void copyTo(Object storage) {
        OffHeap.toHost(values, 0, storage, size);
    }
}
