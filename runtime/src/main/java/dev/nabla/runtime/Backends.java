package dev.nabla.runtime;

import dev.nabla.core.Device;

import dev.nabla.core.NablaException.DeviceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The backends on the class path and their devices. Every first compile in a JVM comes through
 * here: the lookups are plain loops, where lambdas would each be linked through invokedynamic
 * (about a millisecond apiece in a fresh JVM; see "Cold start" in bench/RESULTS.md).
 */
public final class Backends {
    private static final List<String> PROBLEMS = new java.util.ArrayList<>();
    /** Higher priority first (before BACKENDS, whose initializer sorts with it). */
    private static final Comparator<Backend> BY_PRIORITY = new Comparator<>() {
        @Override
        public int compare(Backend a, Backend b) {
            return Integer.compare(b.priority(), a.priority());
        }
    };
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
        // Most preferred first; a stable sort, so equal priorities keep the order they were found in.
        found.sort(BY_PRIORITY);
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
        List<Device> all = new ArrayList<>();
        for (Backend b : BACKENDS) {
            all.addAll(b.devices());
        }
        return Collections.unmodifiableList(all);
    }

    /** A GPU first, then another accelerator, else the host (a TornadoVM CPU device loses to the JVM). */
    public static Device best() {
        List<Device> all = devices();
        for (Device d : all) {
            if (d.type() == Device.Type.GPU) {
                return d;
            }
        }
        for (Device d : all) {
            if (d.accelerator()) {
                return d;
            }
        }
        return host();
    }

    /** The most preferred device whose values are Java arrays (looked up once: every host array asks). */
    public static Device host() {
        Device h = host;
        if (h == null) {
            for (Device d : devices()) {
                if (d.hostMemory()) {
                    h = d;
                    break;
                }
            }
            if (h == null) {
                throw new DeviceException("no Nabla backend found on the class path");
            }
            host = h;
        }
        return h;
    }

    private static volatile Device host;

    public static Device device(String printed) {
        for (Device d : devices()) {
            if (d.toString().equals(printed)) {
                return d;
            }
        }
        throw new DeviceException("no device '" + printed + "'; present: " + devices());
    }

    public static Backend forDevice(Device device) {
        for (Backend b : BACKENDS) {
            if (b.name().equals(device.backend()) && b.devices().contains(device)) {
                return b;
            }
        }
        throw new DeviceException("device " + device + " is not present; present: " + devices());
    }
}
