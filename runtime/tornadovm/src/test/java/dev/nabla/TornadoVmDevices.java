package dev.nabla;

import dev.nabla.runtime.Device;
import org.junit.jupiter.api.Assumptions;

/** The TornadoVM device the tests run on; tests are skipped, with the reason, where none is present. */
final class TornadoVmDevices {
    private TornadoVmDevices() {}

    static Device first() {
        Device d = Device.all().stream().filter(x -> x.backend().equals("tornadovm")).findFirst().orElse(null);
        Assumptions.assumeTrue(d != null, () -> "no TornadoVM device, so the TornadoVM backend is not tested: "
                + dev.nabla.runtime.Backends.all().stream().filter(b -> b.name().equals("tornadovm")).findFirst()
                        .map(dev.nabla.runtime.Backend::problem).orElse("the backend did not load")
                + " (install the TornadoVM SDK and an OpenCL or CUDA driver, set TORNADOVM_HOME, run mvn verify)");
        return d;
    }
}
