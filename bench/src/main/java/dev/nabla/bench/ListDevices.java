package dev.nabla.bench;

import dev.nabla.core.Device;
import java.util.stream.Collectors;

/** Prints the ids of every device but the reference interpreter, comma-separated: for bench/run-devices.sh. */
public final class ListDevices {
    public static void main(String[] args) {
        System.out.println(Device.all().stream().filter(d -> !d.backend().equals("reference"))
                .map(Device::toString).collect(Collectors.joining(",")));
    }
}
