package dev.nabla.core;

import java.util.List;

/**
 * Where values live and programs run, as one backend reports it: the JVM on the host CPU, or a
 * device TornadoVM drives (a GPU, or an OpenCL CPU device with memory of its own).
 *
 * <p>Two devices are the same device when their backend and id agree.
 *
 * @param backend     the backend that drives it: "jvm", "reference", "tornadovm"
 * @param id          its id within that backend: "cpu", or "0.1" for TornadoVM backend 0, device 1
 * @param type        CPU, GPU or another accelerator
 * @param name        the device's own name, e.g. "NVIDIA H100 80GB HBM3"
 * @param platform    the driver or platform behind it, e.g. "OpenCL / Portable Computing Language"
 * @param memoryBytes its global memory; for the host, the JVM's maximum heap
 * @param hostMemory  whether values on it are ordinary Java arrays, shared with every other
 *                    host-memory device (then no transfer is ever needed between them)
 */
public record Device(String backend, String id, Type type, String name, String platform, long memoryBytes,
                     boolean hostMemory) {
    /** What kind of processor a device is. */
    public enum Type {
        /** A CPU: the host, or an OpenCL CPU device. */
        CPU,
        /** A GPU. */
        GPU,
        /** Any other device TornadoVM reports (an FPGA, a custom accelerator). */
        ACCELERATOR
    }

    /**
     * {@return a backend's device that runs on the host CPU with values in the Java heap}
     *
     * @param backend the backend's name, e.g. "jvm"
     */
    public static Device host(String backend) {
        return new Device(backend, "cpu", Type.CPU, "host CPU, " + Runtime.getRuntime().availableProcessors()
                + " cores", "Java " + Runtime.version().feature(), Runtime.getRuntime().maxMemory(), true);
    }

    /**
     * {@return the device of ordinary Java arrays: the most preferred host-memory backend (the JVM's)}
     *
     * @throws NablaException.DeviceException if no Nabla runtime is on the class path or module path
     */
    public static Device cpu() {
        return InstalledRuntime.directory().host();
    }

    /**
     * {@return a GPU or other accelerator when one is present, else the JVM on the CPU}
     *
     * @throws NablaException.DeviceException if no Nabla runtime is on the class path or module path
     */
    public static Device best() {
        return InstalledRuntime.directory().best();
    }

    /**
     * {@return every device of every backend on the class path, most preferred first}
     *
     * @throws NablaException.DeviceException if no Nabla runtime is on the class path or module path
     */
    public static List<Device> all() {
        return InstalledRuntime.directory().devices();
    }

    /**
     * {@return the device printed as {@code s}}
     *
     * @param s a device as {@link #toString()} prints it: "jvm:cpu", "tornadovm:0.1"
     * @throws NablaException.DeviceException if no such device is present (the message lists the
     *         present ones), or no Nabla runtime is found
     */
    public static Device of(String s) {
        return InstalledRuntime.directory().device(s);
    }

    /**
     * Why a backend on the class path (or module path) did not load or offers no device, one line
     * each. {@code Device.all()} simply leaves such devices out.
     *
     * @return one line per problem; empty when every backend works
     * @throws NablaException.DeviceException if no Nabla runtime is on the class path or module path
     */
    public static List<String> problems() {
        return InstalledRuntime.directory().problems();
    }

    /** {@return whether this is a GPU or another accelerator rather than a CPU} */
    public boolean accelerator() {
        return type != Type.CPU;
    }

    /** {@return one line for people: id, type, name, platform and memory} */
    public String describe() {
        return this + " " + type + " " + name + " (" + platform + ", " + gib(memoryBytes) + ")";
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device d && d.backend.equals(backend) && d.id.equals(id);
    }

    @Override
    public int hashCode() {
        return backend.hashCode() * 31 + id.hashCode();
    }

    @Override
    public String toString() {
        return backend + ":" + id;
    }
}
