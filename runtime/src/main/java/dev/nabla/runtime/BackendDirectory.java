package dev.nabla.runtime;

import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.core.spi.DeviceArray;
import dev.nabla.core.spi.DeviceDirectory;
import java.util.ArrayList;
import java.util.List;

/** The core's view of the devices: the backends found on the class path or module path. */
public final class BackendDirectory implements DeviceDirectory {
    @Override
    public List<Device> devices() {
        return Backends.devices();
    }

    @Override
    public Device host() {
        return Backends.host();
    }

    @Override
    public Device best() {
        return Backends.best();
    }

    @Override
    public Device device(String printed) {
        return Backends.device(printed);
    }

    @Override
    public DeviceArray upload(NDArray array, Device device) {
        return Backends.forDevice(device).upload(array, device);
    }

    @Override
    public List<String> problems() {
        List<String> lines = new ArrayList<>();
        Backends.problems().forEach(p -> lines.add("not loaded: " + p));
        for (Backend b : Backends.all()) {
            if (b.devices().isEmpty() && b.problem() != null) {
                lines.add(b.name() + ": no device: " + b.problem());
            }
        }
        return List.copyOf(lines);
    }
}
