package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.runtime.Backend;
import dev.nabla.runtime.Backends;
import dev.nabla.core.Device;
import org.junit.jupiter.api.Test;

/**
 * The backend is found on the class path, loads and lists its devices. This module is built only
 * where the TornadoVM SDK is installed (TORNADOVM_HOME set), so here TornadoVM's absence is a
 * failure that names the SDK and the backend's problem, never a skip; where TORNADOVM_HOME is not
 * set, this test is not built and nothing claims that TornadoVM was tested.
 */
class TornadoVmPresenceTest {
    private static final String SDK = "the TornadoVM SDK at TORNADOVM_HOME=" + System.getenv("TORNADOVM_HOME");

    @Test
    void theBackendLoadsAndListsADevice() {
        Backend tornado = Backends.all().stream().filter(b -> b.name().equals("tornadovm")).findFirst().orElse(null);
        assertThat(tornado).as("with %s, the tornadovm backend among %s (problems: %s)", SDK, Backends.all(),
                Backends.problems()).isNotNull();
        assertThat(tornado.problem()).as("with %s, the tornadovm backend's problem", SDK).isNull();
        assertThat(tornado.devices()).as("with %s, the devices TornadoVM lists (check `tornado --devices`)", SDK)
                .isNotEmpty();
        assertThat(Device.all()).contains(TornadoVmDevices.first());
    }
}
