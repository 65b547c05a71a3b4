package dev.nabla.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.ir.Convolutions;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.WindowShape;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.compiler.lower.Step;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.jvm.gemm.DirectPolicies;
import dev.nabla.runtime.reference.ReferenceInterpreter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JVM backend leaves a convolution's windows, and the pad before them, unstored: its
 * products pack B from the input; and the product its input gradient sums as windows, whose
 * tiles are added into the sum. A convolution's value and its gradients with respect to the
 * weight (the windows transposed) and the input still match the reference interpreter, over
 * 1 to 3 spatial axes, strides, dilations, groups and padding, with the direct convolutions
 * chosen by cost, always and never (the weight gradient then summed over the images in one
 * pass, {@link WindowGradientFusion}); windows something else reads
 * (pooling's reduction) are stored as before.
 */
class WindowFusionTest {

    /** x [N, C, in...], w [O, C/G, kernel...], and the settings of one convolution. */
    record Conv(String name, int[] x, int[] w, int[] stride, int[] padLo, int[] padHi, int[] dilation, int groups) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Conv> convolutions() {
        return List.of(
                new Conv("3x3 padded, as a ResNet block's", new int[] {2, 8, 14, 13}, new int[] {6, 8, 3, 3},
                        new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1),
                new Conv("5x5 unpadded, as LeNet's", new int[] {3, 2, 12, 12}, new int[] {5, 2, 5, 5},
                        new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0}, new int[] {1, 1}, 1),
                new Conv("stride 2, dilation 2, uneven padding", new int[] {2, 3, 17, 11}, new int[] {4, 3, 3, 2},
                        new int[] {2, 1}, new int[] {2, 0}, new int[] {1, 3}, new int[] {2, 2}, 1),
                new Conv("groups", new int[] {2, 6, 9, 10}, new int[] {4, 3, 3, 3},
                        new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 2),
                new Conv("1d, long rows", new int[] {2, 3, 300}, new int[] {7, 3, 4},
                        new int[] {1}, new int[] {2}, new int[] {1}, new int[] {1}, 1),
                new Conv("3d", new int[] {1, 2, 5, 6, 7}, new int[] {3, 2, 2, 3, 3},
                        new int[] {1, 2, 1}, new int[] {1, 0, 1}, new int[] {0, 1, 1}, new int[] {1, 1, 2}, 1));
    }

    private static NDArray random(Random r, Shape shape) {
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return NDArray.fromDoubles(DType.F32, shape, v);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convolutions")
    void convolutionsAndTheirGradientsMatchTheReferenceWithTheWindowsUnstored(Conv c) {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", Shape.of(c.x()), DType.F32);
        Node w = Ops.input(table, "w", Shape.of(c.w()), DType.F32);
        Node y = Convolutions.convolution("conv", x, w, null, c.stride(), c.padLo(), c.padHi(), c.dilation(),
                c.groups());
        Node loss = Ops.sum(Ops.mul(Ops.sin(y), y), new int[0], false);
        List<Node> outputs = new ArrayList<>(List.of(y));
        outputs.addAll(Autodiff.grad(loss, List.of(w, x)));
        Program program = Program.of(outputs);

        LoweredProgram lowered = Lowering.lower(program, WindowFusionTest::unstored);
        List<Step> windows = lowered.steps().stream().filter(s -> s instanceof Step.Windows).toList();
        assertThat(windows).isNotEmpty();
        for (Step s : windows) {
            assertThat(WindowFusion.isUnstored(lowered, s.output())).as("%s", s).isTrue();
        }
        // The input gradient: a product summed as windows, the product never stored.
        List<Step> sums = lowered.steps().stream().filter(s -> s instanceof Step.WindowsSum).toList();
        assertThat(sums).hasSize(1);
        assertThat(WindowFusion.isUnstored(lowered, ((Step.WindowsSum) sums.get(0)).source().buffer())).isTrue();
        boolean padded = Arrays.stream(c.padLo()).sum() + Arrays.stream(c.padHi()).sum() > 0;
        assertThat(lowered.steps().stream().anyMatch(s -> s instanceof Step.Pad p
                && WindowFusion.isUnstored(lowered, p.output()))).isEqualTo(padded);

        // The weight gradient: products over the images summed in one pass, where the images share one group.
        assertThat(WindowGradientFusion.pairs(lowered, WindowFusion.operands(lowered))).as(c.name())
                .hasSize(c.x()[0] > 1 && c.groups() == 1 ? 1 : 0);

        Random r = new Random(c.name().hashCode());
        List<NDArray> inputs = List.of(random(r, Shape.of(c.x())), random(r, Shape.of(c.w())));
        List<NDArray> expected = ReferenceInterpreter.run(program, inputs, List.of());
        for (String policy : DirectPolicies.names()) {
            DirectPolicies.with(policy, () -> {
                List<NDArray> actual = new JvmExecutable(program).run(inputs, List.of());
                for (int i = 0; i < expected.size(); i++) {
                    assertClose(expected.get(i).toDoubleArray(), actual.get(i).toDoubleArray(),
                            c + ", direct convolutions " + policy + ", output " + i);
                }
            });
        }
    }

    /** What the JVM backend leaves unstored (as JvmExecutable picks it). */
    private static java.util.Set<Integer> unstored(LoweredProgram p) {
        java.util.Set<Integer> unstored = new java.util.HashSet<>(WindowFusion.unstored(p));
        unstored.addAll(WindowSumFusion.unstored(p, unstored));
        return unstored;
    }

    /** Within f32's rounding of sums of a few hundred products, against the output's scale. */
    private static void assertClose(double[] expected, double[] actual, String what) {
        double scale = Arrays.stream(expected).map(Math::abs).max().orElse(0) + 1;
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("%s, element %d: %s against %s", what, i, actual[i],
                    expected[i]).isLessThanOrEqualTo(2e-5 * scale);
        }
    }

    @Test
    void windowsAReductionReadsAreStored() {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", Shape.of(2, 3, 8, 8), DType.F32);
        Node windows = Ops.windows(x, WindowShape.of(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}));
        Node pooled = Ops.reduce(ReduceFn.MAX, windows, new int[] {2}, false);
        LoweredProgram lowered = Lowering.lower(Program.of(List.of(pooled)), WindowFusion::unstored);
        assertThat(lowered.steps().stream().filter(s -> s instanceof Step.Windows)
                .noneMatch(s -> WindowFusion.isUnstored(lowered, s.output()))).isTrue();
    }

    @Test
    void windowsThatAreAResultAreStored() {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", Shape.of(1, 2, 6), DType.F32);
        Node w = Ops.input(table, "w", Shape.of(3, 2 * 3), DType.F32);
        Node windows = Ops.windows(x, WindowShape.of(new int[] {3}, new int[] {1}, new int[] {1}));
        Node product = Ops.matmul(w, Ops.reshape(windows, 2 * 3, 4));
        LoweredProgram lowered = Lowering.lower(Program.of(List.of(product, windows)), WindowFusion::unstored);
        assertThat(WindowFusion.unstored(lowered)).isEmpty();
    }

    @Test
    void f64WindowsAreStored() {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", Shape.of(1, 2, 6, 6), DType.F64);
        Node w = Ops.input(table, "w", Shape.of(3, 2, 3, 3), DType.F64);
        Node y = Convolutions.convolution("conv", x, w, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1},
                new int[] {1, 1}, 1);
        LoweredProgram lowered = Lowering.lower(Program.of(List.of(y)), WindowFusion::unstored);
        assertThat(WindowFusion.unstored(lowered)).isEmpty();
    }
}
