package dev.nabla.core;

import dev.nabla.core.NablaException.DeviceException;
import dev.nabla.core.spi.DeviceDirectory;
import java.util.ServiceLoader;

/** The runtime's device directory, found once as a service (nabla-runtime provides it). */
final class InstalledRuntime {
    private InstalledRuntime() {}

    private static volatile DeviceDirectory directory;

    static DeviceDirectory directory() {
        DeviceDirectory d = directory;
        if (d == null) {
            // The context loader first, as the backends are found; then this module's own loader.
            // No lambda on the way that succeeds: this runs in every JVM's first compile, where
            // each lambda is linked through invokedynamic the first time it is reached.
            d = ServiceLoader.load(DeviceDirectory.class).findFirst().orElse(null);
            if (d == null) {
                d = ServiceLoader.load(DeviceDirectory.class, InstalledRuntime.class.getClassLoader()).findFirst()
                        .orElseThrow(() -> new DeviceException("no Nabla runtime found: put nabla-runtime "
                                + "(dev.nabla:nabla-runtime) on the class path or module path"));
            }
            directory = d;
        }
        return d;
    }
}
