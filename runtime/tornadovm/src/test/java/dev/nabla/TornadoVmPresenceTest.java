package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.runtime.Backend;
import dev.nabla.runtime.Backends;
import dev.nabla.core.Device;
import org.junit.jupiter.api.Test;

/** With the SDK present, the backend is found on the class path, loads and lists its devices. */
class TornadoVmPresenceTest {
    @Test
    void theBackendLoadsAndListsADevice() {
        Backend tornado = Backends.all().stream().filter(b -> b.name().equals("tornadovm")).findFirst().orElse(null);
        assertThat(tornado).as("the tornadovm backend among %s (problems: %s)", Backends.all(), Backends.problems())
                .isNotNull();
        assertThat(tornado.problem()).isNull();
        assertThat(tornado.devices()).isNotEmpty();
        assertThat(Device.all()).contains(TornadoVmDevices.first());
    }
}
