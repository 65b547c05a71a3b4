package dev.nabla.runtime;

import dev.nabla.core.NDArray;
import dev.nabla.core.Device;

import dev.nabla.core.NablaException.DeviceException;
import dev.nabla.compiler.ir.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks that a run's fed values live where its program runs; host-memory devices share values. */
final class Placement {
    private Placement() {}

    /** Whether a program on {@code device} reads a value on {@code where} without a transfer. */
    static boolean readable(Device where, Device device) {
        return where.equals(device) || where.hostMemory() && device.hostMemory();
    }

    /**
     * Values cross between devices only when the user asks: a feed on another device is an
     * error that names the devices involved and the fix.
     */
    static void check(Device device, Map<Node, NDArray> feeds) {
        if (feeds.isEmpty()) {
            return;
        }
        boolean allReadable = true;
        for (NDArray v : feeds.values()) {
            allReadable &= v.deviceArray() == null ? device.hostMemory() : readable(v.device(), device);
        }
        if (allReadable) {
            return;
        }
        List<String> misplaced = new ArrayList<>();
        Set<Device> devices = new LinkedHashSet<>();
        StringBuilder where = new StringBuilder();
        // In the order the inputs were declared, so that the message reads the same every time.
        for (var e : feeds.entrySet().stream().sorted(Comparator.comparingInt(x -> x.getKey().id())).toList()) {
            Device d = e.getValue().device();
            devices.add(d);
            where.append(where.isEmpty() ? "" : ", ").append("'").append(e.getKey().variableName()).append("' on ").append(d);
            if (!readable(d, device)) {
                misplaced.add("'" + e.getKey().variableName() + "'");
            }
        }
        if (misplaced.isEmpty()) {
            return;
        }
        String head = devices.size() > 1
                ? "run: the inputs live on different devices (" + where + ") and this program runs on " + device
                : "run: this program runs on " + device + ", but " + where.toString().replace("' on ", "' lives on ");
        throw new DeviceException(head + "; move " + String.join(" and ", misplaced) + " to the program's device first,"
                + " value.to(Device.of(\"" + device + "\")), or compile the graph for the values' device");
    }
}
