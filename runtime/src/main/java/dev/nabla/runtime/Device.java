package dev.nabla.runtime;

/**
 * Where values live and programs run: a device as one backend reports it.
 *
 * @param backend     the name of the backend that drives it ("reference", ...)
 * @param name        the device's own name, e.g. "cpu"
 * @param accelerator whether it is a GPU or other accelerator rather than the host CPU
 */
public record Device(String backend, String name, boolean accelerator) {
    /** An accelerator when one is present, else the most preferred CPU backend. */
    public static Device best() {
        return Backends.best();
    }

    /** Every device of every backend on the class path, most preferred first. */
    public static java.util.List<Device> all() {
        return Backends.devices();
    }

    @Override
    public String toString() {
        return backend + ":" + name;
    }
}
