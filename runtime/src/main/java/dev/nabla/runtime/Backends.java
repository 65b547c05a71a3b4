package dev.nabla.runtime;

import dev.nabla.core.Device;

import dev.nabla.core.NablaException.DeviceException;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/** The backends on the class path and their devices. */
public final class Backends {
    private static final List<String> PROBLEMS = new java.util.ArrayList<>();
    private static final List<Backend> BACKENDS = load();

    /** Every backend that loads; one whose dependencies are missing is left out and noted. */
    private static List<Backend> load() {
        List<Backend> found = new java.util.ArrayList<>();
        var providers = ServiceLoader.load(Backend.class).iterator();
        while (true) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                found.add(providers.next());
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                PROBLEMS.add(e.toString());
            }
        }
        found.sort(Comparator.comparingInt(Backend::priority).reversed());
        return List.copyOf(found);
    }

    /** Backends on the class path that could not be loaded, and why. */
    public static List<String> problems() {
        return List.copyOf(PROBLEMS);
    }

    private Backends() {}

    /** All backends, most preferred first. */
    public static List<Backend> all() {
        return BACKENDS;
    }

    /** Every device of every backend, most preferred first. */
    public static List<Device> devices() {
        return BACKENDS.stream().flatMap(b -> b.devices().stream()).toList();
    }

    /** A GPU first, then another accelerator, else the host (a TornadoVM CPU device loses to the JVM). */
    public static Device best() {
        List<Device> all = devices();
        return all.stream().filter(d -> d.type() == Device.Type.GPU).findFirst()
                .or(() -> all.stream().filter(Device::accelerator).findFirst())
                .orElseGet(Backends::host);
    }

    /** The most preferred device whose values are Java arrays (looked up once: every host array asks). */
    public static Device host() {
        Device h = host;
        if (h == null) {
            h = BACKENDS.stream().flatMap(b -> b.devices().stream()).filter(Device::hostMemory).findFirst()
                    .orElseThrow(noBackend());
            host = h;
        }
        return h;
    }

    private static volatile Device host;

    public static Device device(String printed) {
        return devices().stream().filter(d -> d.toString().equals(printed)).findFirst()
                .orElseThrow(() -> new DeviceException("no device '" + printed + "'; present: " + devices()));
    }

    public static Backend forDevice(Device device) {
        return BACKENDS.stream().filter(b -> b.name().equals(device.backend()) && b.devices().contains(device))
                .findFirst()
                .orElseThrow(() -> new DeviceException("device " + device + " is not present; present: " + devices()));
    }

    private static Supplier<DeviceException> noBackend() {
        return () -> new DeviceException("no Nabla backend found on the class path");
    }
}
