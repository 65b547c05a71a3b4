package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.Executable;
import dev.nabla.runtime.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntFunction;

/**
 * A program lowered to kernels and prepared to run: one runner per step, constants unpacked once,
 * and temporary storage (the memory plan's slots) kept in a pool of workspaces that later calls
 * reuse, so a steady state allocates only the arrays it returns.
 */
final class JvmExecutable implements Executable {
    private final LoweredProgram lowered;
    private final List<StepRunner> runners = new ArrayList<>();
    private final Object[] constants;
    private final ConcurrentLinkedQueue<Object[]> workspaces = new ConcurrentLinkedQueue<>();

    JvmExecutable(Program program) {
        this.lowered = Lowering.lower(program);
        IntFunction<DType> storageOf = id -> lowered.buffer(id).dtype().storage();
        for (Step step : lowered.steps()) {
            runners.add(switch (step) {
                case Step.Elementwise e -> new ElementwiseRunner(e, storageOf);
                case Step.Reduce r -> new ReduceRunner(r, storageOf);
                case Step.MatMul m -> new MatMulRunner(m);
                case Step.Copy c -> CopyRunners.copy(c);
                case Step.Pad p -> CopyRunners.pad(p);
                case Step.Concat c -> CopyRunners.concat(c);
            });
        }
        constants = new Object[lowered.buffers().size()];
        for (Buffer b : lowered.buffers()) {
            if (b.kind() == Buffer.Kind.CONSTANT && b.origin().op() instanceof Op.Constant(Literal value)) {
                double[] values = new double[b.size()];
                java.util.Arrays.setAll(values, value::at);
                constants[b.id()] = NDArray.fromDoubles(b.dtype(), b.origin().shape(), values).storage();
            }
        }
    }

    @Override
    public Program program() {
        return lowered.program();
    }

    LoweredProgram lowered() {
        return lowered;
    }

    @Override
    public List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
        Object[] buffers = constants.clone();
        for (int i = 0; i < inputs.size(); i++) {
            buffers[lowered.inputBuffers().get(i)] = inputs.get(i).storage();
        }
        for (int i = 0; i < parameters.size(); i++) {
            buffers[lowered.parameterBuffers().get(i)] = parameters.get(i).storage();
        }
        Object[] slots = workspace();
        try {
            for (Buffer b : lowered.buffers()) {
                if (b.kind() == Buffer.Kind.TEMP) {
                    buffers[b.id()] = slots[b.slot()];
                }
            }
            for (StepRunner runner : runners) {
                runner.run(buffers);
            }
            List<NDArray> results = new ArrayList<>(lowered.results().size());
            List<dev.nabla.compiler.ir.Node> nodes = lowered.program().results();
            for (int i = 0; i < nodes.size(); i++) {
                results.add(copyOut(lowered.results().get(i), nodes.get(i).dtype(), buffers));
            }
            return results;
        } finally {
            workspaces.offer(slots);
        }
    }

    private Object[] workspace() {
        Object[] slots = workspaces.poll();
        if (slots != null) {
            return slots;
        }
        List<LoweredProgram.Slot> plan = lowered.slots();
        slots = new Object[plan.size()];
        for (int i = 0; i < slots.length; i++) {
            LoweredProgram.Slot s = plan.get(i);
            slots[i] = s.dtype() == DType.F32 ? new float[s.size()] : new double[s.size()];
        }
        return slots;
    }

    private static NDArray copyOut(View view, DType dtype, Object[] buffers) {
        Lanes lanes = Lanes.of(dtype.storage());
        int size = view.shape().size();
        Object out = lanes.newArray(size);
        Gathers.gather(lanes, view, view.shape(), buffers[view.buffer()], 0, size, out, 0);
        return NDArray.wrap(dtype, view.shape(), out);
    }
}
