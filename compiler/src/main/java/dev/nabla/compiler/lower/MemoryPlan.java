package dev.nabla.compiler.lower;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Assigns temporaries to storage slots: a slot is reused once the temporary in it has had its
 * last read. An elementwise kernel may write into the slot of an input it reads element for
 * element (the same index, contiguous), because each element is read before it is written.
 * Results live to the end.
 */
final class MemoryPlan {
    private MemoryPlan() {}

    static LoweredProgram assign(LoweredProgram p) {
        int n = p.buffers().size();
        int end = p.steps().size();
        int[] lastUse = new int[n];
        Arrays.fill(lastUse, -1);
        for (int s = 0; s < p.steps().size(); s++) {
            for (View v : reads(p.steps().get(s))) {
                lastUse[v.buffer()] = s;
            }
        }
        for (View v : p.results()) {
            lastUse[v.buffer()] = end;
        }
        List<Buffer> buffers = new ArrayList<>(p.buffers());
        List<LoweredProgram.Slot> slots = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        int[] slotOf = new int[n];
        Arrays.fill(slotOf, -1);
        for (int s = 0; s < p.steps().size(); s++) {
            Step step = p.steps().get(s);
            Buffer out = buffers.get(step.output());
            List<Integer> dying = new ArrayList<>();
            for (View v : reads(step)) {
                int b = v.buffer();
                if (lastUse[b] == s && slotOf[b] >= 0 && !dying.contains(slotOf[b])) {
                    dying.add(slotOf[b]);
                }
            }
            int slot = -1;
            if (step instanceof Step.Elementwise e) {
                // In place: only into an input read with the identical contiguous index.
                for (int d : dying) {
                    if (fits(slots.get(d), out) && readsOnlyAligned(e.body(), slotBuffers(slotOf, d), e.shape())) {
                        slot = d;
                        break;
                    }
                }
            }
            if (slot >= 0) {
                dying.remove(Integer.valueOf(slot));
            } else {
                slot = take(free, slots, out);
            }
            slotOf[out.id()] = slot;
            buffers.set(out.id(), out.withSlot(slot));
            free.addAll(dying);
        }
        return new LoweredProgram(p.program(), buffers, p.steps(), p.results(), p.inputBuffers(),
                p.parameterBuffers(), slots);
    }

    private static int take(List<Integer> free, List<LoweredProgram.Slot> slots, Buffer out) {
        for (int i = 0; i < free.size(); i++) {
            int candidate = free.get(i);
            if (fits(slots.get(candidate), out)) {
                free.remove(i);
                return candidate;
            }
        }
        slots.add(new LoweredProgram.Slot(out.dtype().storage(), out.size()));
        return slots.size() - 1;
    }

    private static boolean fits(LoweredProgram.Slot slot, Buffer b) {
        return slot.dtype() == b.dtype().storage() && slot.size() >= b.size();
    }

    private static List<Integer> slotBuffers(int[] slotOf, int slot) {
        List<Integer> ids = new ArrayList<>();
        for (int b = 0; b < slotOf.length; b++) {
            if (slotOf[b] == slot) {
                ids.add(b);
            }
        }
        return ids;
    }

    /** Whether every load of these buffers in the body is the plain contiguous view of {@code shape}. */
    private static boolean readsOnlyAligned(Expr body, List<Integer> ids, dev.nabla.compiler.ir.Shape shape) {
        return switch (body) {
            case Expr.Load(View v) -> !ids.contains(v.buffer())
                    || (v.offset() == 0 && v.isContiguous() && v.shape().equals(shape));
            case Expr.Const c -> true;
            case Expr.Unary u -> readsOnlyAligned(u.x(), ids, shape);
            case Expr.Binary b -> readsOnlyAligned(b.a(), ids, shape) && readsOnlyAligned(b.b(), ids, shape);
            case Expr.Fma f -> readsOnlyAligned(f.a(), ids, shape) && readsOnlyAligned(f.b(), ids, shape)
                    && readsOnlyAligned(f.c(), ids, shape);
            case Expr.Compare c -> readsOnlyAligned(c.a(), ids, shape) && readsOnlyAligned(c.b(), ids, shape);
            case Expr.Where w -> readsOnlyAligned(w.cond(), ids, shape) && readsOnlyAligned(w.a(), ids, shape)
                    && readsOnlyAligned(w.b(), ids, shape);
        };
    }

    /** The views a step reads. */
    static List<View> reads(Step step) {
        List<View> out = new ArrayList<>();
        switch (step) {
            case Step.Elementwise e -> loads(e.body(), out);
            case Step.Reduce r -> loads(r.body(), out);
            case Step.MatMul m -> {
                out.add(m.a());
                out.add(m.b());
            }
            case Step.Copy c -> out.add(c.source());
            case Step.Pad p -> out.add(p.source());
            case Step.Concat c -> out.addAll(c.parts());
        }
        return out;
    }

    private static void loads(Expr e, List<View> out) {
        switch (e) {
            case Expr.Load(View v) -> out.add(v);
            case Expr.Const c -> { }
            case Expr.Unary u -> loads(u.x(), out);
            case Expr.Binary b -> {
                loads(b.a(), out);
                loads(b.b(), out);
            }
            case Expr.Fma f -> {
                loads(f.a(), out);
                loads(f.b(), out);
                loads(f.c(), out);
            }
            case Expr.Compare c -> {
                loads(c.a(), out);
                loads(c.b(), out);
            }
            case Expr.Where w -> {
                loads(w.cond(), out);
                loads(w.a(), out);
                loads(w.b(), out);
            }
        }
    }
}
