package dev.nabla.examples;

import dev.nabla.runtime.Backend;
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
        for (Backend b : Backends.all()) {
            if (b.devices().isEmpty() && b.problem() != null) {
                System.out.println(b.name() + ": no device: " + b.problem());
            }
        }
        if (Backends.all().stream().noneMatch(b -> b.name().equals("tornadovm"))) {
            System.out.println("(no TornadoVM backend: to use a GPU, install the TornadoVM SDK, see the README)");
        }
    }
}
