package dev.nabla.examples;

import java.util.List;

/** Runs every example in the order of the tutorial (docs/tutorial.md). */
public final class Tour {
    private record Stop(String title, Runnable example) {}

    public static void main(String[] args) {
        List<Stop> stops = List.of(
                new Stop("First derivative: y = x^2 at x = 5", () -> FirstDerivative.main(args)),
                new Stop("Second derivative", () -> SecondDerivative.main(args)),
                new Stop("Partial derivatives: z = x^2 y + 3 x y^5 + x^3 at (1, 1)",
                        () -> PartialDerivatives.main(args)),
                new Stop("Fourth derivatives, simplified", () -> FourthDerivative.main(args)),
                new Stop("Taylor mode: high-order derivatives cheaply", () -> HighOrderDerivatives.main(args)),
                new Stop("Newton's method with the exact Hessian", () -> NewtonsMethod.main(args)),
                new Stop("Batching with vmap: Laplacians and per-example gradients", () -> Batching.main(args)),
                new Stop("SGD: minimize 3a^2 + 6a - 9 from a = 10", () -> SgdMinimize.main(args)),
                new Stop("Loops and conditionals in the graph", () -> Loops.main(args)),
                new Stop("Training a digit classifier", () -> DigitsClassifier.main(args)),
                new Stop("A convolutional network from nn layers", () -> CnnDigits.main(args)),
                new Stop("A model's whole life: data, training, checkpoints, PyTorch", () -> ModelLife.main(args)),
                new Stop("Devices", () -> Devices.main(args)),
                new Stop("Matrix product on each device: 512x1024 . 1024x512", () -> GpuMatmul.main(args)),
                new Stop("Your own derivative rules", () -> CustomRules.main(args)));
        for (Stop stop : stops) {
            System.out.println("== " + stop.title() + " ==");
            stop.example().run();
            System.out.println();
        }
    }
}
