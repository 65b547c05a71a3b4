package dev.nabla.runtime.tornadovm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reductions as TornadoVM kernels: one work-item per result, folding the fused body over the
 * reduced axes; or, for few results over many elements, two kernels (parts, then their combination).
 */
final class ReductionKernels {
    private final KernelSource gen;

    ReductionKernels(KernelSource gen) {
        this.gen = gen;
    }

    /** A reduction's index spaces: the kept axes (one result each) and the reduced ones. */
    private record Axes(int[] kept, int[] gone, Shape keptShape, Shape goneShape) {
        static Axes of(Step.Reduce r) {
            Shape in = r.inShape();
            boolean[] reduced = new boolean[in.rank()];
            for (int a : r.axes()) {
                reduced[a] = true;
            }
            int[] kept = range(in.rank(), d -> !reduced[d]);
            int[] gone = range(in.rank(), d -> reduced[d]);
            return new Axes(kept, gone, new Shape(Arrays.stream(kept).map(in::dim).toArray()),
                    new Shape(Arrays.stream(gone).map(in::dim).toArray()));
        }
    }

    /**
     * Into how many parts each result's reduction splits: one work-item per result leaves a GPU
     * idle when there are few results over many elements (a loss, a norm), so then each result
     * is reduced in parts of about CHUNK elements by separate work-items, and a second kernel
     * combines the parts.
     */
    static int parts(Step.Reduce r) {
        Axes axes = Axes.of(r);
        int results = axes.keptShape().size();
        int each = axes.goneShape().size();
        if (each < 2 * CHUNK || results >= 4096) {
            return 1;
        }
        return Math.min((each + CHUNK - 1) / CHUNK, Math.max(1, 65536 / results));
    }

    private static final int CHUNK = 1024;

    void reduce(Step.Reduce r) {
        Axes axes = Axes.of(r);
        String i1 = "            ";
        gen.kernels.append("        for (@Parallel int o = 0; o < ").append(axes.keptShape().size()).append("; o++) {\n");
        gen.coordinates(axes.keptShape(), "o", "k", i1);
        accumulate(r, axes, "0", String.valueOf(axes.goneShape().size()));
        gen.kernels.append(i1).append(gen.store(r, "o", "acc"));
        gen.kernels.append("        }\n");
    }

    /** Two kernels: partial results of {@code parts} slices of each reduction, then their combination. */
    void split(String method, Step.Reduce r, List<String> params, int parts) {
        Axes axes = Axes.of(r);
        int each = axes.goneShape().size();
        int chunk = (each + parts - 1) / parts;
        String partial = "p" + method;
        DType storage = r.dtype().storage();
        gen.arrays.put(partial, new KernelSource.Array(partial, storage, axes.keptShape().size() * parts, Buffer.Kind.TEMP));
        String i1 = "            ";
        String cast = storage == DType.F32 ? "(float) " : "(double) ";

        int header = gen.kernels.length();
        gen.kernels.append("        for (@Parallel int w = 0; w < ").append(axes.keptShape().size() * parts).append("; w++) {\n");
        gen.kernels.append(i1).append("int o = w / ").append(parts).append(";\n");
        gen.kernels.append(i1).append("int from = (w % ").append(parts).append(") * ").append(chunk).append(";\n");
        gen.kernels.append(i1).append("int to = from + ").append(chunk).append(";\n");
        gen.kernels.append(i1).append("if (to > ").append(each).append(") {\n").append(i1).append("    to = ").append(each)
                .append(";\n").append(i1).append("}\n");
        gen.coordinates(axes.keptShape(), "o", "k", i1);
        accumulate(r, axes, "from", "to");
        gen.kernels.append(i1).append(partial).append(".set(w, ").append(cast).append("(acc));\n");
        gen.kernels.append("        }\n    }\n\n");
        List<String> first = new ArrayList<>(params);
        first.set(0, partial);
        gen.finish(method + "a", header, first);

        header = gen.kernels.length();
        String type = KernelSource.working(r.dtype());
        String x = "(" + type + ") " + partial + ".get(o * " + parts + " + q)";
        gen.kernels.append("        for (@Parallel int o = 0; o < ").append(axes.keptShape().size()).append("; o++) {\n");
        gen.kernels.append(i1).append(type).append(" acc = (").append(type).append(") ").append(partial).append(".get(o * ")
                .append(parts).append(");\n");
        gen.kernels.append(i1).append("for (int q = 1; q < ").append(parts).append("; q++) {\n");
        gen.kernels.append(i1).append("    ").append(type).append(" x = ").append(x).append(";\n");
        gen.kernels.append(i1).append("    ").append(combine(r, "x", "")).append('\n');
        gen.kernels.append(i1).append("}\n");
        gen.kernels.append(i1).append(gen.store(r, "o", "acc"));
        gen.kernels.append("        }\n    }\n\n");
        gen.finish(method + "b", header, new ArrayList<>(List.of(gen.arrayName(r.output()), partial)));
    }

    /** Declares acc and folds the body over reduced indices [from, to) into it, in the loop over o. */
    private void accumulate(Step.Reduce r, Axes axes, String from, String to) {
        String type = KernelSource.working(r.dtype());
        ExprCode code = new ExprCode(gen.kernels, type, v -> gen.load(v, "-1", "c", null));
        String i1 = "            ";
        String i2 = "                ";
        gen.kernels.append(i1).append(type).append(" acc = ").append(code.literal(r.fn().identity())).append(";\n");
        // Max and min start from the first element, not from the identity: TornadoVM prints a
        // double infinity as a float constant, which OpenCL's isless(float, double) rejects.
        gen.kernels.append(i1).append("int seen = 0;\n");
        gen.kernels.append(i1).append("for (int r = ").append(from).append("; r < ").append(to).append("; r++) {\n");
        gen.coordinates(axes.goneShape(), "r", "g", i2);
        for (int k = 0; k < axes.kept().length; k++) {
            gen.kernels.append(i2).append("int c").append(axes.kept()[k]).append(" = k").append(k).append(";\n");
        }
        for (int g = 0; g < axes.gone().length; g++) {
            gen.kernels.append(i2).append("int c").append(axes.gone()[g]).append(" = g").append(g).append(";\n");
        }
        String x = code.emit(r.body(), i2);
        gen.kernels.append(i2).append(combine(r, x, "seen == 0 ? " + x + " : ")).append('\n');
        if (r.fn() == dev.nabla.compiler.ir.ReduceFn.MAX || r.fn() == dev.nabla.compiler.ir.ReduceFn.MIN) {
            gen.kernels.append(i2).append("seen = 1;\n");
        }
        gen.kernels.append(i1).append("}\n");
    }

    /** acc = acc (op) x; for max and min NaN wins, as in torch.amax/amin and the reference. */
    private static String combine(Step.Reduce r, String x, String firstElement) {
        return switch (r.fn()) {
            case SUM -> "acc = acc + " + x + ";";
            case PROD -> "acc = acc * " + x + ";";
            case MAX -> "acc = " + firstElement + "(acc != acc ? acc : (" + x + " > acc || " + x + " != " + x + " ? "
                    + x + " : acc));";
            case MIN -> "acc = " + firstElement + "(acc != acc ? acc : (" + x + " < acc || " + x + " != " + x + " ? "
                    + x + " : acc));";
        };
    }

    private static int[] range(int n, java.util.function.IntPredicate keep) {
        return java.util.stream.IntStream.range(0, n).filter(keep).toArray();
    }
}
