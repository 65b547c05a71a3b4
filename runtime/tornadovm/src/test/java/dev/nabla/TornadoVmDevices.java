package dev.nabla;

import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.runtime.Backend;
import dev.nabla.runtime.Backends;
import dev.nabla.core.Device;

/**
 * The TornadoVM device the tests run on. This module is built only when TORNADOVM_HOME names an
 * SDK, so a missing device is a failure (a broken driver, a missing launch option), never a skip.
 */
final class TornadoVmDevices {
    private TornadoVmDevices() {}

    static Device first() {
        Device d = Device.all().stream().filter(x -> x.backend().equals("tornadovm")).findFirst().orElse(null);
        if (d == null) {
            fail("TORNADOVM_HOME is set but TornadoVM lists no device: " + Backends.all().stream()
                    .filter(b -> b.name().equals("tornadovm")).findFirst().map(Backend::problem)
                    .orElse("the backend did not load (" + Backends.problems() + ")")
                    + "; check `tornado --devices` and the OpenCL or CUDA driver");
        }
        return d;
    }
}
