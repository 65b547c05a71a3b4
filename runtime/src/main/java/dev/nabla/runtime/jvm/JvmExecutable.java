package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntFunction;

/**
 * A program lowered to kernels and prepared to run: one runner per step (an SGD update and the
 * matrix product it scales share one, see {@link UpdateFusion}; a convolution's windows have
 * none, their products read the input, see {@link WindowFusion}; a product summed as windows runs
 * with the sum, see {@link WindowSumFusion}), constants unpacked once,
 * and temporary storage (the memory plan's slots) kept in a pool of workspaces that later calls
 * reuse, so a steady state allocates only the arrays it returns.
 */
final class JvmExecutable implements Executable {
    private final LoweredProgram lowered;
    private final List<StepRunner> runners = new ArrayList<>();
    private final Object[] constants;
    private final List<dev.nabla.compiler.ir.Node> resultNodes;
    /** The workspace given back last, then any others: a run by one thread at a time allocates none. */
    private final java.util.concurrent.atomic.AtomicReference<Workspace> lastWorkspace =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final ConcurrentLinkedQueue<Workspace> workspaces = new ConcurrentLinkedQueue<>();

    /** What one run works in: the storage slots, and the array of every buffer's storage. */
    private record Workspace(Object[] slots, Object[] buffers, boolean[] direct) {}

    JvmExecutable(Program program) {
        this.lowered = Lowering.lower(program, p -> {
            Set<Integer> unstored = new HashSet<>(WindowFusion.unstored(p));
            unstored.addAll(WindowSumFusion.unstored(p, unstored));
            return unstored;
        });
        IntFunction<DType> storageOf = id -> lowered.buffer(id).dtype().storage();
        Map<Integer, UpdateFusion.Pair> fused = UpdateFusion.find(lowered);
        Map<Integer, WindowFusion.Operand> windows = WindowFusion.operands(lowered);
        Map<Integer, WindowSumFusion.Pair> windowSums = WindowSumFusion.pairs(lowered);
        Map<Integer, StepRunner> summedGradients = new HashMap<>();
        for (WindowGradientFusion.Pair pair : WindowGradientFusion.pairs(lowered, windows)) {
            WindowGradientRunner runner = new WindowGradientRunner(pair,
                    new WindowMatMulRunner(pair.product(), pair.windows()), new ReduceRunner(pair.sum(), storageOf));
            summedGradients.put(pair.productIndex(), runner.productStep());
            summedGradients.put(pair.sumIndex(), runner.sumStep());
        }
        Set<Integer> movedProducts = new HashSet<>();
        fused.values().forEach(pair -> movedProducts.add(pair.productIndex()));
        for (int i = 0; i < lowered.steps().size(); i++) {
            Step step = lowered.steps().get(i);
            if (movedProducts.contains(i) || WindowFusion.isUnstored(lowered, step.output())) {
                continue;
            }
            if (summedGradients.get(i) instanceof StepRunner summed) {
                runners.add(summed);
                continue;
            }
            if (fused.containsKey(i)) {
                runners.add(new MatMulUpdateRunner(fused.get(i)));
                continue;
            }
            if (windowSums.containsKey(i)) {
                runners.add(new WindowSumMatMulRunner(windowSums.get(i)));
                continue;
            }
            runners.add(switch (step) {
                case Step.Elementwise e -> new ElementwiseRunner(e, storageOf);
                case Step.Reduce r -> new ReduceRunner(r, storageOf);
                case Step.MatMul m -> windows.containsKey(m.b().buffer())
                        ? new WindowMatMulRunner(m, windows.get(m.b().buffer())) : new MatMulRunner(m);
                case Step.Copy c -> CopyRunners.copy(c);
                case Step.Random r -> new RandomRunner(r);
                case Step.Pad p -> CopyRunners.pad(p);
                case Step.Concat c -> CopyRunners.concat(c);
                case Step.Windows w -> WindowRunners.windows(w);
                case Step.WindowsSum w -> WindowRunners.windowsSum(w);
                case Step.Gather g -> IndexRunners.gather(g);
                case Step.ScatterAdd s -> IndexRunners.scatterAdd(s);
                case Step.Loop l -> new LoopRunner(l);
                case Step.Cond c -> new CondRunner(c);
            });
        }
        resultNodes = lowered.program().results();
        constants = new Object[lowered.buffers().size()];
        for (Buffer b : lowered.buffers()) {
            if (b.kind() == Buffer.Kind.CONSTANT && b.origin().op() instanceof Op.Constant(Literal value)) {
                double[] values = new double[b.size()];
                java.util.Arrays.setAll(values, value::at);
                constants[b.id()] = NDArray.fromDoubles(b.dtype(), b.origin().shape(), values).storage();
            }
        }
    }

    private Workspace newWorkspace() {
        List<LoweredProgram.Slot> plan = lowered.slots();
        Object[] slots = new Object[plan.size()];
        for (int i = 0; i < slots.length; i++) {
            LoweredProgram.Slot s = plan.get(i);
            slots[i] = s.dtype() == DType.F32 ? new float[s.size()] : new double[s.size()];
        }
        return new Workspace(slots, new Object[lowered.buffers().size()], new boolean[lowered.results().size()]);
    }

    @Override
    public Program program() {
        return lowered.program();
    }

    @Override
    public List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
        return execute(inputs, parameters, new Object[lowered.results().size()]);
    }

    @Override
    public List<NDArray> runInto(List<NDArray> inputs, List<NDArray> parameters, Object[] destinations) {
        return execute(inputs, parameters, destinations);
    }

    /** Runs; results with a destination are written there (directly, when their kernel allows). */
    private List<NDArray> execute(List<NDArray> inputs, List<NDArray> parameters, Object[] destinations) {
        Workspace w = workspace();
        try {
            Object[] buffers = w.buffers();
            System.arraycopy(constants, 0, buffers, 0, constants.length);
            for (int i = 0; i < inputs.size(); i++) {
                buffers[lowered.inputBuffers().get(i)] = inputs.get(i).storage();
            }
            for (int i = 0; i < parameters.size(); i++) {
                buffers[lowered.parameterBuffers().get(i)] = parameters.get(i).storage();
            }
            for (Buffer b : lowered.buffers()) {
                // Unstored windows (and pads) have no slot: their readers read their input.
                if (b.kind() == Buffer.Kind.TEMP && b.slot() >= 0) {
                    buffers[b.id()] = w.slots()[b.slot()];
                }
            }
            boolean[] direct = w.direct();
            for (int i = 0; i < destinations.length; i++) {
                View v = lowered.results().get(i);
                direct[i] = destinations[i] != null && lowered.buffer(v.buffer()).kind() == Buffer.Kind.TEMP
                        && v.offset() == 0 && v.isContiguous() && v.shape().size() == lowered.buffer(v.buffer()).size()
                        && !readsAsResultTwice(v.buffer(), i);
                if (direct[i]) {
                    buffers[v.buffer()] = destinations[i];
                }
            }
            for (StepRunner runner : runners) {
                runner.run(buffers);
            }
            List<NDArray> results = new ArrayList<>(resultNodes.size());
            for (int i = 0; i < resultNodes.size(); i++) {
                if (destinations[i] == null) {
                    results.add(copyOut(lowered.results().get(i), resultNodes.get(i).dtype(), buffers, null));
                } else {
                    if (!direct[i]) {
                        copyOut(lowered.results().get(i), resultNodes.get(i).dtype(), buffers, destinations[i]);
                    }
                    results.add(null);
                }
            }
            // No reference to the caller's arrays stays behind in the pooled workspace.
            java.util.Arrays.fill(buffers, null);
            return results;
        } finally {
            if (!lastWorkspace.compareAndSet(null, w)) {
                workspaces.offer(w);
            }
        }
    }

    private Workspace workspace() {
        Workspace w = lastWorkspace.getAndSet(null);
        if (w == null) {
            w = workspaces.poll();
        }
        return w != null ? w : newWorkspace();
    }

    /** Another result reading the same buffer would see the destination: then copy instead. */
    private boolean readsAsResultTwice(int buffer, int result) {
        for (int j = 0; j < lowered.results().size(); j++) {
            if (j != result && lowered.results().get(j).buffer() == buffer) {
                return true;
            }
        }
        return false;
    }

    private static NDArray copyOut(View view, DType dtype, Object[] buffers, Object into) {
        Lanes lanes = Lanes.of(dtype.storage());
        int size = view.shape().size();
        Object out = into != null ? into : lanes.newArray(size);
        Gathers.gather(lanes, view, view.shape(), buffers[view.buffer()], 0, size, out, 0);
        return into != null ? null : NDArray.wrap(dtype, view.shape(), out);
    }
}
