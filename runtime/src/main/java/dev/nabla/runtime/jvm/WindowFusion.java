package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.jvm.gemm.WindowMatrix;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Implicit GEMM: a convolution's windows (im2col, K times its input) that only matrix products
 * read are never stored. The products pack their B panels straight from the input through the
 * window geometry ({@link WindowMatrix}, {@link WindowMatMulRunner}); a pad that only such
 * windows read is not stored either, its zeros read as the windows' padding. For the 3x3 64->64
 * convolution of a ResNet block on 8x64x56x56 that saves writing and reading 58 MB per product.
 *
 * <p>Windows qualify when they are f32 (with the Vector API: packing is SIMD), no result, read
 * from a contiguous view, and every step that reads them is an f32 product taking them as B in
 * one of the two layouts convolutions make: rows of window positions across all output
 * positions (the forward product) or their transpose (the weight gradient's). The lowering then
 * plans no storage for them and keeps their input live while they are read.
 */
final class WindowFusion {
    private WindowFusion() {}

    /** An unstored windows buffer as B: its geometry and the buffer it reads. */
    record Operand(WindowMatrix matrix, int source) {}

    /** The buffers to leave unstored, picked from the program before its memory plan. */
    static Set<Integer> unstored(LoweredProgram p) {
        Set<Integer> picked = new HashSet<>();
        if (!VectorSupport.enabled()) {
            return picked;
        }
        Map<Integer, List<Step>> readers = readers(p);
        for (Step s : p.steps()) {
            if (s instanceof Step.Windows w && qualifies(p, w, readers)) {
                picked.add(w.output());
            }
        }
        for (Step s : p.steps()) {
            if (s instanceof Step.Pad pad && readThrough(p, pad, readers, picked)) {
                picked.add(pad.output());
            }
        }
        return picked;
    }

    /** The unstored windows of a planned program (by buffer id), as product operands. */
    static Map<Integer, Operand> operands(LoweredProgram p) {
        Map<Integer, Step.Pad> pads = new HashMap<>();
        for (Step s : p.steps()) {
            if (s instanceof Step.Pad pad && isUnstored(p, pad.output())) {
                pads.put(pad.output(), pad);
            }
        }
        Map<Integer, Operand> operands = new HashMap<>();
        for (Step s : p.steps()) {
            if (s instanceof Step.Windows w && isUnstored(p, w.output())) {
                operands.put(w.output(), operand(w, pads.get(w.source().buffer())));
            }
        }
        return operands;
    }

    static boolean isUnstored(LoweredProgram p, int buffer) {
        Buffer b = p.buffer(buffer);
        return b.kind() == Buffer.Kind.TEMP && b.slot() < 0;
    }

    private static Operand operand(Step.Windows w, Step.Pad pad) {
        int s = w.window().spatialRank();
        Shape windows = w.shape();
        int leadRank = windows.rank() - 1 - s;
        int[] out = new int[s];
        for (int d = 0; d < s; d++) {
            out[d] = windows.dim(leadRank + 1 + d);
        }
        View input = pad == null ? w.source() : pad.source();
        int[] in = new int[s];
        int[] before = new int[s];
        for (int d = 0; d < s; d++) {
            in[d] = input.shape().dim(leadRank + d);
            before[d] = pad == null ? 0 : pad.starts()[leadRank + d];
        }
        int planes = input.shape().size() / Math.max(1, product(in));
        WindowMatrix matrix = WindowMatrix.of(planes, input.offset(), in, before, ints(w.window().kernel()),
                ints(w.window().stride()), ints(w.window().dilation()), out);
        return new Operand(matrix, input.buffer());
    }

    private static boolean qualifies(LoweredProgram p, Step.Windows w, Map<Integer, List<Step>> readers) {
        if (w.dtype() != DType.F32 || p.buffer(w.output()).dtype().storage() != DType.F32
                || p.buffer(w.source().buffer()).dtype().storage() != DType.F32 || !isRowMajor(w.source())
                || isResult(p, w.output())) {
            return false;
        }
        int s = w.window().spatialRank();
        int positions = 1;
        for (int d = 0; d < s; d++) {
            positions *= w.shape().dim(w.shape().rank() - s + d);
        }
        if (positions == 0 || w.shape().size() == 0) {
            return false;
        }
        List<Step> users = readers.getOrDefault(w.output(), List.of());
        for (Step user : users) {
            if (!(user instanceof Step.MatMul m) || m.dtype() != DType.F32 || m.a().buffer() == w.output()
                    || !windowsLayout(m.b(), positions)) {
                return false;
            }
        }
        return !users.isEmpty();
    }

    /**
     * Whether a product's B view is rows of the window array across all its positions, or their
     * transpose, each batch starting on a row.
     */
    private static boolean windowsLayout(View b, int positions) {
        int r = b.shape().rank();
        boolean rows = b.stride(r - 1) == 1 && b.stride(r - 2) == positions && b.shape().dim(r - 1) == positions;
        boolean columns = b.stride(r - 2) == 1 && b.stride(r - 1) == positions && b.shape().dim(r - 2) == positions;
        if (!(rows || columns) || b.offset() % positions != 0) {
            return false;
        }
        for (int d = 0; d < r - 2; d++) {
            if (b.stride(d) % positions != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * A pad only unstored windows read, placing a contiguous view at offsets along the spatial
     * axes alone (no spacing): the windows read its input, its zeros as their padding.
     */
    private static boolean readThrough(LoweredProgram p, Step.Pad pad, Map<Integer, List<Step>> readers,
                                       Set<Integer> picked) {
        List<Step> users = readers.getOrDefault(pad.output(), List.of());
        if (users.isEmpty() || isResult(p, pad.output()) || !isRowMajor(pad.source())
                || p.buffer(pad.source().buffer()).dtype().storage() != DType.F32) {
            return false;
        }
        int spatial = -1;
        for (Step user : users) {
            if (!(user instanceof Step.Windows w) || !picked.contains(w.output())
                    || (spatial >= 0 && spatial != w.window().spatialRank())) {
                return false;
            }
            spatial = w.window().spatialRank();
        }
        int leadRank = pad.shape().rank() - spatial;
        for (int d = 0; d < pad.shape().rank(); d++) {
            if (pad.steps()[d] != 1 || (d < leadRank && (pad.starts()[d] != 0
                    || pad.shape().dim(d) != pad.source().shape().dim(d)))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a view's elements lie row-major from its offset (axes of size 1 take any stride). */
    static boolean isRowMajor(View v) {
        int expected = 1;
        for (int a = v.shape().rank() - 1; a >= 0; a--) {
            if (v.shape().dim(a) != 1 && v.stride(a) != expected) {
                return false;
            }
            expected *= v.shape().dim(a);
        }
        return true;
    }

    private static boolean isResult(LoweredProgram p, int buffer) {
        return p.results().stream().anyMatch(r -> r.buffer() == buffer);
    }

    private static Map<Integer, List<Step>> readers(LoweredProgram p) {
        Map<Integer, List<Step>> readers = new HashMap<>();
        for (Step s : p.steps()) {
            for (View v : s.reads()) {
                List<Step> list = readers.computeIfAbsent(v.buffer(), b -> new java.util.ArrayList<>());
                if (!list.contains(s)) {
                    list.add(s);
                }
            }
        }
        return readers;
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int product(int[] dims) {
        int p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }
}
