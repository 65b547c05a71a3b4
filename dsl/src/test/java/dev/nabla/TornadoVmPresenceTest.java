package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.runtime.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Says, as a skipped test, where the TornadoVM backend's tests are when this build has none: they
 * live in runtime/tornadovm, which builds only with the TornadoVM SDK.
 */
class TornadoVmPresenceTest {
    @Test
    void tornadoVmBackendIsTestedInItsOwnModule() {
        boolean present = Device.all().stream().anyMatch(d -> d.backend().equals("tornadovm"));
        Assumptions.assumeTrue(present, "TornadoVM is absent, so its backend is not tested here: its tests are in"
                + " runtime/tornadovm and run when TORNADOVM_HOME names an installed TornadoVM SDK (README,"
                + " \"Enabling TornadoVM\")");
        assertTrue(Device.all().stream().anyMatch(d -> d.backend().equals("tornadovm")));
    }
}
