package dev.nabla.runtime.tornadovm;

import dev.nabla.core.NablaException.DeviceException;
import dev.nabla.compiler.Program;
import dev.nabla.runtime.Backend;
import dev.nabla.core.Device;
import dev.nabla.core.spi.DeviceArray;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * Runs programs on the devices TornadoVM reports (OpenCL or PTX: GPUs, and CPUs through an
 * OpenCL driver such as PoCL). Preferred over the JVM for GPUs and accelerators only; see
 * {@link Device#best()}. Found through {@link java.util.ServiceLoader} when this jar and
 * TornadoVM are present; without TornadoVM it reports no devices and says why in {@link #problem()}.
 */
public final class TornadoVmBackend implements Backend {
    public static final String NAME = "tornadovm";
    private static final String NATIVE_MATH = "tornado.enable.nativeFunctions";
    private static final String BYTECODE_SIZE = "tornado.tvm.maxbytecodesize";

    private volatile Map<Device, TornadoDevice> devices;
    private volatile String problem;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public List<Device> devices() {
        return List.copyOf(found().keySet());
    }

    /** Why no device is listed, or null when TornadoVM started. */
    @Override
    public String problem() {
        found();
        return problem;
    }

    private Map<Device, TornadoDevice> found() {
        Map<Device, TornadoDevice> d = devices;
        if (d == null) {
            synchronized (this) {
                if (devices == null) {
                    devices = query();
                }
                d = devices;
            }
        }
        return d;
    }

    private Map<Device, TornadoDevice> query() {
        Map<Device, TornadoDevice> found = new LinkedHashMap<>();
        try {
            Class.forName("uk.ac.manchester.tornado.api.TaskGraph", false, TornadoVmBackend.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            problem = "TornadoVM is not on the module path: start the JVM with @$TORNADOVM_HOME/tornado-argfile and"
                    + " -Djava.system.class.loader=" + KernelClassLoader.class.getName();
            return found;
        }
        if (!KernelClassLoader.installed()) {
            problem = "TornadoVM reads kernel classes through the system class loader: start the JVM with"
                    + " -Djava.system.class.loader=" + KernelClassLoader.class.getName();
            return found;
        }
        // TornadoVM's OpenCL code uses native_sin and friends by default: fast, but with
        // implementation-defined accuracy (float precision even for doubles on PoCL). Full
        // precision math unless the user chose otherwise; read once, when TornadoVM starts.
        if (System.getProperty(NATIVE_MATH) == null) {
            System.setProperty(NATIVE_MATH, "False");
        }
        // TornadoVM encodes each task graph in a buffer of 4 KiB by default, too small for a
        // training step of a few dozen kernels (the overflow surfaces as a bailout with no reason).
        if (System.getProperty(BYTECODE_SIZE) == null) {
            System.setProperty(BYTECODE_SIZE, "262144");
        }
        try {
            TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
            for (int b = 0; b < runtime.getNumBackends(); b++) {
                TornadoBackend backend = runtime.getBackend(b);
                for (int i = 0; i < backend.getNumDevices(); i++) {
                    TornadoDevice t = backend.getDevice(i);
                    Device.Type type = switch (t.getDeviceType()) {
                        case CPU -> Device.Type.CPU;
                        case GPU -> Device.Type.GPU;
                        default -> Device.Type.ACCELERATOR;
                    };
                    String platform = backend.getName() + " / " + t.getPlatformName();
                    found.put(new Device(NAME, b + "." + i, type, t.getPhysicalDevice().getDeviceName(), platform,
                            t.getMaxGlobalMemory(), false), t);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // Without TornadoVM's launch options (its argfile) the runtime cannot start.
            problem = "TornadoVM did not start (" + e + "); run with java @$TORNADOVM_HOME/tornado-argfile";
        }
        return found;
    }

    private TornadoDevice tornadoDevice(Device device) {
        TornadoDevice t = found().get(device);
        if (t == null) {
            throw new DeviceException("tornadovm: no device " + device + "; present: " + devices());
        }
        return t;
    }

    @Override
    public Executable compile(Program program, Device device) {
        return compile(program, device, true);
    }

    /**
     * @param residentInputs whether inputs stay on the device from run to run; not for loop
     *                       bodies and branches, whose inputs are new arrays at every iteration
     *                       (keeping them would cost a task graph more per iteration, for nothing)
     */
    private Executable compile(Program program, Device device, boolean residentInputs) {
        TornadoDevice t = tornadoDevice(device);
        if (ProgramStages.hasControlFlow(program)) {
            // Loops and conditionals run on the host, their bodies' task graphs once per iteration.
            return new StagedExecutable(program, p -> compile(p, device, residentInputs),
                    p -> compile(p, device, false));
        }
        return new TornadoExecutable(program, device, t, residentInputs);
    }

    @Override
    public DeviceArray upload(NDArray value, Device device) {
        tornadoDevice(device);
        var staged = OffHeap.allocate(value.dtype().storage(), value.size());
        OffHeap.fromHost(value.storage(), staged);
        return new TornadoArray(device, staged, value.size());
    }
}
