package dev.nabla.examples;

import dev.nabla.runtime.Backends;
import dev.nabla.runtime.Device;

/** Every device Nabla can run on, and the one {@code Device.best()} picks. */
public final class Devices {
    public static void main(String[] args) {
        for (Device d : Device.all()) {
            System.out.println(d.describe());
        }
        System.out.println("best: " + Device.best());
        Backends.problems().forEach(p -> System.out.println("not loaded: " + p));
        if (Device.all().stream().noneMatch(d -> d.backend().equals("tornadovm"))) {
            System.out.println("(no TornadoVM device: install the TornadoVM SDK and run with it, see the README)");
        }
    }
}
