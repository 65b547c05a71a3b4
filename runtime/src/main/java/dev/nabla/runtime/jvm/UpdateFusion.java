package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds SGD updates of a weight whose gradient is a matrix product, {@code w + s * (A.B)} with a
 * scalar s (minus the learning rate), so that the JVM backend runs each as one GEMM that adds the
 * scaled product to W as it goes ({@link MatMulUpdateRunner}): the product is then never written
 * out and read back, which cost about 7% of an MLP training step.
 *
 * <p>The pair is a MatMul step and a later elementwise step {@code fma(product, s, w)} (either
 * factor order). The product moves to the update's place, so it must be read by nothing else and
 * not be a result, and no step in between may write over A or B (the memory plan may give their
 * slots away once the product has read them). The update's output must not share a slot with A,
 * B or W either: the GEMM writes C while it still reads them.
 */
final class UpdateFusion {
    private UpdateFusion() {}

    /** A fused pair: the product, the update that consumes it, and the update's scalar and addend. */
    record Pair(int productIndex, Step.MatMul product, Step.Elementwise update, View scale, View addend) {}

    /** The fusable pairs of a program, by the index of their update step. */
    static Map<Integer, Pair> find(LoweredProgram program) {
        Map<Integer, Pair> pairs = new HashMap<>();
        List<Step> steps = program.steps();
        for (int j = 0; j < steps.size(); j++) {
            if (!(steps.get(j) instanceof Step.Elementwise update)
                    || !(update.body() instanceof Expr.Fma(Expr x, Expr y, Expr z))) {
                continue;
            }
            for (Expr[] factors : new Expr[][] {{x, y}, {y, x}}) {
                Pair pair = pair(program, j, update, factors[0], factors[1], z);
                if (pair != null) {
                    pairs.put(j, pair);
                    break;
                }
            }
        }
        return pairs;
    }

    private static Pair pair(LoweredProgram program, int j, Step.Elementwise update, Expr product, Expr scale,
            Expr addend) {
        DType dtype = update.dtype();
        if ((dtype != DType.F32 && dtype != DType.F64)
                || !(product instanceof Expr.Load(View g)) || !(scale instanceof Expr.Load(View s))
                || !(addend instanceof Expr.Load(View w))
                || !wholeAndContiguous(g, update) || !wholeAndContiguous(w, update)
                || program.buffer(s.buffer()).size() != 1
                || !storedAs(program, dtype, update.output(), g.buffer(), s.buffer(), w.buffer())) {
            return null;
        }
        int i = producer(program, g.buffer(), j);
        if (i < 0 || !(program.steps().get(i) instanceof Step.MatMul matMul) || matMul.dtype() != dtype
                || matMul.a().shape().rank() != 2 || readElsewhere(program, g.buffer(), j)
                || WindowFusion.isUnstored(program, matMul.b().buffer())) {
            return null;
        }
        int a = matMul.a().buffer();
        int b = matMul.b().buffer();
        for (int between = i + 1; between < j; between++) {
            int written = program.steps().get(between).output();
            if (aliases(program, written, a) || aliases(program, written, b)) {
                return null;
            }
        }
        int out = update.output();
        if (aliases(program, out, a) || aliases(program, out, b) || aliases(program, out, w.buffer())) {
            return null;
        }
        return new Pair(i, matMul, update, s, w);
    }

    private static boolean wholeAndContiguous(View v, Step.Elementwise update) {
        return v.offset() == 0 && v.isContiguous() && v.shape().equals(update.shape());
    }

    private static boolean storedAs(LoweredProgram program, DType dtype, int... buffers) {
        for (int id : buffers) {
            if (program.buffer(id).dtype().storage() != dtype) {
                return false;
            }
        }
        return true;
    }

    /** The step before {@code before} that writes {@code buffer}, or -1. */
    private static int producer(LoweredProgram program, int buffer, int before) {
        for (int i = before - 1; i >= 0; i--) {
            if (program.steps().get(i).output() == buffer) {
                return i;
            }
        }
        return -1;
    }

    /** Whether a step other than {@code reader}, or a result, reads {@code buffer}. */
    private static boolean readElsewhere(LoweredProgram program, int buffer, int reader) {
        if (program.buffer(buffer).kind() != Buffer.Kind.TEMP) {
            return true;
        }
        for (View r : program.results()) {
            if (r.buffer() == buffer) {
                return true;
            }
        }
        for (int i = 0; i < program.steps().size(); i++) {
            if (i != reader) {
                for (View v : program.steps().get(i).reads()) {
                    if (v.buffer() == buffer) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Whether two buffers may be the same memory: the same buffer, or temporaries in one slot. */
    private static boolean aliases(LoweredProgram program, int first, int second) {
        Buffer x = program.buffer(first);
        Buffer y = program.buffer(second);
        return first == second
                || x.kind() == Buffer.Kind.TEMP && y.kind() == Buffer.Kind.TEMP && x.slot() == y.slot();
    }
}
