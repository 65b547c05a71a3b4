package dev.nabla.runtime;

import dev.nabla.compiler.NablaException;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The backends on the class path and their devices. */
public final class Backends {
    private static final List<Backend> BACKENDS = ServiceLoader.load(Backend.class).stream()
            .map(ServiceLoader.Provider::get)
            .sorted(Comparator.comparingInt(Backend::priority).reversed())
            .toList();

    private Backends() {}

    /** All backends, most preferred first. */
    public static List<Backend> all() {
        return BACKENDS;
    }

    /** Every device of every backend, most preferred first. */
    public static List<Device> devices() {
        return BACKENDS.stream().flatMap(b -> b.devices().stream()).toList();
    }

    /** An accelerator when one is present, else the most preferred CPU backend. */
    public static Device best() {
        List<Device> all = devices();
        return all.stream().filter(Device::accelerator).findFirst()
                .orElseGet(() -> all.stream().findFirst().orElseThrow(
                        () -> new NablaException("no Nabla backend found on the class path")));
    }

    public static Backend forDevice(Device device) {
        return BACKENDS.stream().filter(b -> b.name().equals(device.backend())).findFirst()
                .orElseThrow(() -> new NablaException("no backend named '" + device.backend() + "' for device "
                        + device + "; available: " + devices()));
    }
}
