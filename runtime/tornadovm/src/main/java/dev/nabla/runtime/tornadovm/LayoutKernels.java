package dev.nabla.runtime.tornadovm;

import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.WindowShape;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.ArrayList;
import java.util.List;

/** The steps that only move data (copy with a dtype change, pad, concat, gather, scatter-add) as TornadoVM kernels. */
final class LayoutKernels {
    private final KernelSource gen;

    LayoutKernels(KernelSource gen) {
        this.gen = gen;
    }

    void copy(Step.Copy c) {
        String in = "            ";
        Shape shape = c.source().shape();
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        String value = "(double) " + gen.load(c.source(), "i", "c", shape);
        gen.kernels.append(in).append(gen.store(c, "i", KernelSource.rounded(value, c.to())));
        gen.kernels.append("        }\n");
    }

    void pad(Step.Pad p) {
        String in = "            ";
        Shape shape = p.shape();
        View src = p.source();
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        if (src.shape().size() == 0) {
            gen.kernels.append(in).append(gen.store(p, "i", "0")).append("        }\n");
            return;
        }
        // Only the tests that can fail: TornadoVM rejects conditions its compiler folds to a constant.
        List<String> inside = new ArrayList<>();
        for (int d = 0; d < shape.rank(); d++) {
            int start = p.starts()[d];
            int step = p.steps()[d];
            gen.kernels.append(in).append("int u").append(d).append(" = c").append(d).append(" - ").append(start).append(";\n");
            if (start > 0) {
                inside.add("u" + d + " >= 0");
            }
            if (step != 1) {
                inside.add("u" + d + " % " + step + " == 0");
            }
            if (shape.dim(d) - 1 - start >= src.shape().dim(d) * step) {
                inside.add("u" + d + " < " + src.shape().dim(d) * step);
            }
            gen.kernels.append(in).append("int q").append(d).append(" = u").append(d).append(" / ").append(step).append(";\n");
        }
        if (inside.isEmpty()) {
            gen.kernels.append(in).append(gen.store(p, "i", gen.load(src, "-1", "q", null))).append("        }\n");
            return;
        }
        gen.kernels.append(in).append("if (").append(String.join(" && ", inside)).append(") {\n");
        gen.kernels.append(in).append("    ").append(gen.store(p, "i", gen.load(src, "-1", "q", null)));
        gen.kernels.append(in).append("} else {\n");
        gen.kernels.append(in).append("    ").append(gen.store(p, "i", "0"));
        gen.kernels.append(in).append("}\n        }\n");
    }

    /** Windows: each output element [lead, k, o...] reads the input at [lead, o·stride + k·dilation]. */
    void windows(Step.Windows w) {
        String in = "            ";
        Shape shape = w.shape();
        WindowShape win = w.window();
        int s = win.spatialRank();
        int lead = shape.rank() - s - 1;
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        int kStride = win.size();
        for (int d = 0; d < lead; d++) {
            gen.kernels.append(in).append("int q").append(d).append(" = c").append(d).append(";\n");
        }
        for (int d = 0; d < s; d++) {
            kStride /= win.kernel().get(d);
            gen.kernels.append(in).append("int q").append(lead + d).append(" = c").append(lead + 1 + d).append(" * ")
                    .append(win.stride().get(d)).append(" + ((c").append(lead).append(" / ").append(kStride)
                    .append(") % ").append(win.kernel().get(d)).append(") * ").append(win.dilation().get(d)).append(";\n");
        }
        gen.kernels.append(in).append(gen.store(w, "i", gen.load(w.source(), "-1", "q", null)));
        gen.kernels.append("        }\n");
    }

    /**
     * The windows' adjoint: each input element sums the window elements that read it, one
     * unrolled block per window position, testing only what can fail (as {@link #pad}).
     */
    void windowsSum(Step.WindowsSum w) {
        String in = "            ";
        Shape shape = w.shape();
        WindowShape win = w.window();
        int s = win.spatialRank();
        int lead = shape.rank() - s;
        Shape windows = w.source().shape();
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        gen.kernels.append(in).append("double acc = 0;\n");
        for (int k = 0; k < win.size(); k++) {
            int[] position = win.position(k);
            gen.kernels.append(in).append("{\n");
            String body = in + "    ";
            List<String> inside = new ArrayList<>();
            for (int d = 0; d < lead; d++) {
                gen.kernels.append(body).append("int q").append(d).append(" = c").append(d).append(";\n");
            }
            gen.kernels.append(body).append("int q").append(lead).append(" = ").append(k).append(";\n");
            for (int d = 0; d < s; d++) {
                int shift = position[d] * win.dilation().get(d);
                int stride = win.stride().get(d);
                int out = windows.dim(lead + 1 + d);
                gen.kernels.append(body).append("int u").append(d).append(" = c").append(lead + d).append(" - ")
                        .append(shift).append(";\n");
                if (shift > 0) {
                    inside.add("u" + d + " >= 0");
                }
                if (stride != 1) {
                    inside.add("u" + d + " % " + stride + " == 0");
                }
                if (shape.dim(lead + d) - 1 - shift >= out * stride) {
                    inside.add("u" + d + " < " + out * stride);
                }
                gen.kernels.append(body).append("int q").append(lead + 1 + d).append(" = u").append(d).append(" / ")
                        .append(stride).append(";\n");
            }
            String add = "acc += " + gen.load(w.source(), "-1", "q", null) + ";\n";
            if (inside.isEmpty()) {
                gen.kernels.append(body).append(add);
            } else {
                gen.kernels.append(body).append("if (").append(String.join(" && ", inside)).append(") {\n");
                gen.kernels.append(body).append("    ").append(add);
                gen.kernels.append(body).append("}\n");
            }
            gen.kernels.append(in).append("}\n");
        }
        gen.kernels.append(in).append(gen.store(w, "i", "acc"));
        gen.kernels.append("        }\n");
    }

    void concat(Step.Concat c) {
        String in = "            ";
        Shape shape = c.shape();
        int axis = c.axis();
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        int start = 0;
        List<View> parts = c.parts().stream().filter(v -> v.shape().dim(axis) > 0).toList();
        for (int k = 0; k < parts.size(); k++) {
            View part = parts.get(k);
            int end = start + part.shape().dim(axis);
            gen.kernels.append(in).append(k == 0 ? "" : "} else ").append(k == parts.size() - 1 ? "{\n" : "if (c" + axis + " < " + end + ") {\n");
            // The part's coordinates: the same, but shifted along the axis.
            for (int d = 0; d < shape.rank(); d++) {
                gen.kernels.append(in).append("    int p").append(d).append(" = c").append(d)
                        .append(d == axis ? " - " + start : "").append(";\n");
            }
            gen.kernels.append(in).append("    ").append(gen.store(c, "i", gen.load(part, "-1", "p", null)));
            start = end;
        }
        gen.kernels.append(in).append("}\n        }\n");
    }

    /**
     * One work item per output element: reads its index, then x there. A kernel cannot throw, so
     * an index out of range gives NaN (the JVM and reference backends throw instead).
     */
    void gather(Step.Gather g) {
        String in = "            ";
        Shape shape = g.indices().shape();
        int axis = g.axis();
        int size = g.x().shape().dim(axis);
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        if (size == 0) {
            gen.kernels.append(in).append(gen.store(g, "i", nan())).append("        }\n");
            return;
        }
        gen.kernels.append(in).append("int k = (int) ").append(gen.load(g.indices(), "i", "c", shape)).append(";\n");
        for (int d = 0; d < shape.rank(); d++) {
            gen.kernels.append(in).append("int p").append(d).append(" = ").append(d == axis ? "k" : "c" + d).append(";\n");
        }
        gen.kernels.append(in).append("if (k >= 0 && k < ").append(size).append(") {\n");
        gen.kernels.append(in).append("    ").append(gen.store(g, "i", gen.load(g.x(), "-1", "p", null)));
        gen.kernels.append(in).append("} else {\n");
        gen.kernels.append(in).append("    ").append(gen.store(g, "i", nan()));
        gen.kernels.append(in).append("}\n        }\n");
    }

    /**
     * One work item per output element, summing in double the updates whose index along the
     * axis names it, in the reference's order: no atomics, so results are deterministic, at
     * O(output × indices along the axis) work. Updates at indices out of range are dropped.
     */
    void scatterAdd(Step.ScatterAdd s) {
        String in = "            ";
        Shape shape = s.shape();
        int axis = s.axis();
        int m = s.indices().shape().dim(axis);
        gen.kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        gen.coordinates(shape, "i", "c", in);
        if (m == 0) {
            gen.kernels.append(in).append(gen.store(s, "i", "0")).append("        }\n");
            return;
        }
        gen.kernels.append(in).append("double acc = 0.0;\n");
        gen.kernels.append(in).append("for (int j = 0; j < ").append(m).append("; j++) {\n");
        for (int d = 0; d < shape.rank(); d++) {
            gen.kernels.append(in).append("    int q").append(d).append(" = ").append(d == axis ? "j" : "c" + d).append(";\n");
        }
        gen.kernels.append(in).append("    if ((int) ").append(gen.load(s.indices(), "-1", "q", null)).append(" == c")
                .append(axis).append(") {\n");
        gen.kernels.append(in).append("        acc += ").append(gen.load(s.updates(), "-1", "q", null)).append(";\n");
        gen.kernels.append(in).append("    }\n").append(in).append("}\n");
        gen.kernels.append(in).append(gen.store(s, "i", "acc")).append("        }\n");
    }

    private static String nan() {
        return "(double) " + KernelSource.SPECIALS + ".get(2)";
    }
}
