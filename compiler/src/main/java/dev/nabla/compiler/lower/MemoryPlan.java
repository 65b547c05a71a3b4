package dev.nabla.compiler.lower;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Assigns temporaries to storage slots: a slot is reused once the temporary in it has had its
 * last read. An elementwise kernel may write into the slot of an input it reads element for
 * element (the same index, contiguous), because each element is read before it is written.
 * Results live to the end. A temporary takes the smallest free slot that holds it. Linear in
 * the number of steps, so programs of
 * hundreds of thousands of steps plan in milliseconds.
 *
 * <p>A backend may leave some outputs unstored ({@link Lowering#lower(dev.nabla.compiler.Program,
 * java.util.function.Function)}): it computes such a value where it is read (the JVM backend
 * packs a convolution's windows straight from the input). An unstored buffer gets no slot, and
 * what its step reads lives as long as the buffer is read.
 */
final class MemoryPlan {
    private MemoryPlan() {}

    static LoweredProgram assign(LoweredProgram p) {
        return assign(p, Set.of());
    }

    static LoweredProgram assign(LoweredProgram p, Set<Integer> unstored) {
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
        int[] lastRead = lastUse.clone();
        // Latest first, so that a chain (a pad read only by unstored windows) extends to the end.
        for (int s = p.steps().size() - 1; s >= 0; s--) {
            Step step = p.steps().get(s);
            if (unstored.contains(step.output())) {
                for (View v : reads(step)) {
                    lastUse[v.buffer()] = Math.max(lastUse[v.buffer()], lastUse[step.output()]);
                }
            }
        }
        // The buffers each step is the last use of through unstored buffers, not by reading them.
        java.util.Map<Integer, List<Integer>> lastUsedAt = new java.util.HashMap<>();
        for (int b = 0; b < n; b++) {
            if (lastUse[b] >= 0 && lastUse[b] < end && lastUse[b] != lastRead[b]) {
                lastUsedAt.computeIfAbsent(lastUse[b], k -> new ArrayList<>()).add(b);
            }
        }
        List<Buffer> buffers = new ArrayList<>(p.buffers());
        List<LoweredProgram.Slot> slots = new ArrayList<>();
        /** The buffer each slot holds now: the only one in it a step can still read. */
        List<Integer> resident = new ArrayList<>();
        FreeSlots free = new FreeSlots();
        int[] slotOf = new int[n];
        Arrays.fill(slotOf, -1);
        for (int s = 0; s < p.steps().size(); s++) {
            Step step = p.steps().get(s);
            List<Integer> dying = new ArrayList<>();
            for (View v : reads(step)) {
                int b = v.buffer();
                if (lastUse[b] == s && slotOf[b] >= 0 && !dying.contains(slotOf[b])) {
                    dying.add(slotOf[b]);
                }
            }
            // Then those that unstored buffers the step reads kept live until now.
            for (int b : lastUsedAt.getOrDefault(s, List.of())) {
                if (slotOf[b] >= 0 && !dying.contains(slotOf[b])) {
                    dying.add(slotOf[b]);
                }
            }
            if (unstored.contains(step.output())) {
                // Computed where it is read: no storage; what it reads stays live meanwhile (above).
                for (int d : dying) {
                    free.put(d, slots.get(d));
                }
                continue;
            }
            int inPlace = -1;
            if (step instanceof Step.Elementwise e) {
                // In place: only into an input read with the identical contiguous index (one an
                // unstored operand reads is not read by the kernel itself).
                Buffer out = buffers.get(e.output());
                for (int d : dying) {
                    if (fits(slots.get(d), out) && readsDirectly(step, resident.get(d))
                            && readsOnlyAligned(e.body(), resident.get(d), e.shape())) {
                        inPlace = d;
                        break;
                    }
                }
                if (inPlace >= 0) {
                    dying.remove(Integer.valueOf(inPlace));
                    resident.set(inPlace, out.id());
                }
            }
            // A loop writes several buffers, every other step one.
            for (int o : step.outputs()) {
                int slot = inPlace >= 0 ? inPlace : place(buffers.get(o), slots, resident, free);
                slotOf[o] = slot;
                buffers.set(o, buffers.get(o).withSlot(slot));
            }
            // One that no step reads and no result is (an argument only a custom rule uses) is free again at once.
            for (int o : step.outputs()) {
                if (lastUse[o] < s) {
                    free.put(slotOf[o], slots.get(slotOf[o]));
                }
            }
            for (int d : dying) {
                free.put(d, slots.get(d));
            }
        }
        return new LoweredProgram(p.program(), buffers, p.steps(), p.results(), p.inputBuffers(),
                p.parameterBuffers(), slots);
    }

    /** The smallest free slot that holds b, or a new one; b becomes its resident. */
    private static int place(Buffer b, List<LoweredProgram.Slot> slots, List<Integer> resident, FreeSlots free) {
        int slot = free.take(b);
        if (slot < 0) {
            slots.add(new LoweredProgram.Slot(b.dtype().storage(), b.size()));
            resident.add(-1);
            slot = slots.size() - 1;
        }
        resident.set(slot, b.id());
        return slot;
    }

    /** Free slots by storage type and size: a buffer takes the smallest that holds it. */
    private static final class FreeSlots {
        private final Map<DType, TreeMap<Integer, ArrayDeque<Integer>>> bySize = new EnumMap<>(DType.class);

        void put(int slot, LoweredProgram.Slot s) {
            bySize.computeIfAbsent(s.dtype(), t -> new TreeMap<>())
                    .computeIfAbsent(s.size(), k -> new ArrayDeque<>()).add(slot);
        }

        /** A free slot that holds {@code b}, taken out of the free set, or -1. */
        int take(Buffer b) {
            TreeMap<Integer, ArrayDeque<Integer>> sizes = bySize.get(b.dtype().storage());
            Map.Entry<Integer, ArrayDeque<Integer>> e = sizes == null ? null : sizes.ceilingEntry(b.size());
            if (e == null) {
                return -1;
            }
            int slot = e.getValue().poll();
            if (e.getValue().isEmpty()) {
                sizes.remove(e.getKey());
            }
            return slot;
        }
    }

    private static boolean fits(LoweredProgram.Slot slot, Buffer b) {
        return slot.dtype() == b.dtype().storage() && slot.size() >= b.size();
    }

    private static boolean readsDirectly(Step step, int buffer) {
        return reads(step).stream().anyMatch(v -> v.buffer() == buffer);
    }

    /** Whether every load of this buffer in the body is the plain contiguous view of {@code shape}. */
    private static boolean readsOnlyAligned(Expr body, int buffer, Shape shape) {
        List<View> loads = new ArrayList<>();
        loads(body, loads);
        for (View v : loads) {
            if (v.buffer() == buffer && !(v.offset() == 0 && v.isContiguous() && v.shape().equals(shape))) {
                return false;
            }
        }
        return true;
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
            case Step.Random r -> out.add(r.key());
            case Step.Pad p -> out.add(p.source());
            case Step.Windows w -> out.add(w.source());
            case Step.WindowsSum w -> out.add(w.source());
            case Step.Concat c -> out.addAll(c.parts());
            case Step.Gather g -> out.addAll(List.of(g.x(), g.indices()));
            case Step.ScatterAdd s -> out.addAll(List.of(s.indices(), s.updates()));
            case Step.Loop l -> out.addAll(l.inputs());
            case Step.Cond c -> out.addAll(c.inputs());
        }
        return out;
    }

    /** Appends the views a body loads, in evaluation order, without recursion. */
    private static void loads(Expr body, List<View> out) {
        ArrayDeque<Expr> pending = new ArrayDeque<>();
        pending.push(body);
        while (!pending.isEmpty()) {
            Expr e = pending.pop();
            if (e instanceof Expr.Load(View v)) {
                out.add(v);
            }
            List<Expr> operands = e.operands();
            for (int i = operands.size() - 1; i >= 0; i--) {
                pending.push(operands.get(i));
            }
        }
    }
}
