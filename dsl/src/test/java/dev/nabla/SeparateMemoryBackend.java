package dev.nabla;

import dev.nabla.compiler.Program;
import dev.nabla.runtime.Backend;
import dev.nabla.core.Device;
import dev.nabla.core.spi.DeviceArray;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.reference.ReferenceInterpreter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test device with memory of its own, as a TornadoVM device has: the reference interpreter
 * behind an upload/download wall that counts every crossing. A CPU device, so never "best".
 */
public final class SeparateMemoryBackend implements Backend {
    static final Device DEVICE = new Device("separate", "0", Device.Type.CPU, "test device with its own memory",
            "tests", 1L << 30, false);
    static final AtomicInteger UPLOADS = new AtomicInteger();
    static final AtomicInteger DOWNLOADS = new AtomicInteger();
    static final AtomicInteger COMPILES = new AtomicInteger();

    /** Values "in device memory": a private host copy only this backend reads directly. */
    private record Held(NDArray values) implements DeviceArray {
        @Override
        public Device device() {
            return DEVICE;
        }

        @Override
        public void copyTo(Object storage) {
            DOWNLOADS.incrementAndGet();
            System.arraycopy(values.storage(), 0, storage, 0, values.size());
        }
    }

    @Override
    public String name() {
        return "separate";
    }

    @Override
    public int priority() {
        return -1;
    }

    @Override
    public List<Device> devices() {
        return List.of(DEVICE);
    }

    @Override
    public DeviceArray upload(NDArray value, Device device) {
        UPLOADS.incrementAndGet();
        return new Held(value.copy());
    }

    @Override
    public Executable compile(Program program, Device device) {
        COMPILES.incrementAndGet();
        return new Executable() {
            @Override
            public Program program() {
                return program;
            }

            @Override
            public List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
                List<NDArray> results = ReferenceInterpreter.run(program, held(inputs), held(parameters));
                return results.stream().map(r -> NDArray.onDevice(r.dtype(), r.shape(), new Held(r))).toList();
            }
        };
    }

    /** The device values behind each argument; a host array here would be a placement bug. */
    private static List<NDArray> held(List<NDArray> arrays) {
        return arrays.stream().map(a -> {
            if (!(a.deviceArray() instanceof Held h)) {
                throw new AssertionError("the session let a value on " + a.device() + " reach " + DEVICE);
            }
            return h.values();
        }).toList();
    }
}
