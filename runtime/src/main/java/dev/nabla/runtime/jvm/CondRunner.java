package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;

/** Runs a conditional step: each branch compiled once by this backend, the selected one run. */
final class CondRunner implements StepRunner {
    private final Step.Cond step;
    private final CondBranches branches;
    /** Each branch compiled when it is first taken: one never taken may not even be runnable. */
    private final Executable[] code;

    CondRunner(Step.Cond step) {
        this.step = step;
        this.branches = step.branches();
        this.code = new Executable[branches.branchCount()];
    }

    private synchronized Executable branch(int b) {
        if (code[b] == null) {
            code[b] = new JvmBackend().compile(branches.programs().get(b), null);
        }
        return code[b];
    }

    @Override
    public void run(Object[] buffers) {
        List<View> in = step.inputs();
        View index = in.get(0);
        int b = branches.select(Gathers.valueAt(buffers[index.buffer()], index.offset()));
        List<NDArray> args = new ArrayList<>(in.size() - 1);
        for (int k = 1; k < in.size(); k++) {
            Node c = branches.captured().get(k - 1);
            args.add(NDArray.wrap(c.dtype(), c.shape(), Gathers.contiguous(in.get(k), buffers)));
        }
        Object[] destinations = new Object[step.outputs().size()];
        for (int o = 0; o < destinations.length; o++) {
            destinations[o] = Lanes.of(branches.outputDType(o).storage()).newArray(branches.outputShape(o).size());
        }
        branch(b).runInto(args, List.of(), destinations);
        for (int o = 0; o < destinations.length; o++) {
            System.arraycopy(destinations[o], 0, buffers[step.outputs().get(o)], 0, branches.outputShape(o).size());
        }
    }
}
