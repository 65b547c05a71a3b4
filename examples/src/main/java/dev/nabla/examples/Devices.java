package dev.nabla.examples;

import dev.nabla.core.Device;

/** Every device Nabla can run on, and the one {@code Device.best()} picks. */
public final class Devices {
    public static void main(String[] args) {
        for (Device d : Device.all()) {
            System.out.println(d.describe());
        }
        System.out.println("best: " + Device.best());
        Device.problems().forEach(System.out::println);
        boolean tornado = Device.all().stream().anyMatch(d -> d.backend().equals("tornadovm"))
                || Device.problems().stream().anyMatch(p -> p.contains("tornadovm"));
        if (!tornado) {
            System.out.println("(no TornadoVM backend: to use a GPU, install the TornadoVM SDK, see the README)");
        }
    }
}
