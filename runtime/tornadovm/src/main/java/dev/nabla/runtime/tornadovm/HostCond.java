package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.function.Function;

/**
 * A conditional run on the host: each branch's program compiled for the device once (TornadoVM
 * JIT-compiles a branch's kernels on its first run only), the branch the index selects run.
 * Inputs: the index (an i32 scalar), then the captured values, which are the branches' inputs.
 */
final class HostCond implements HostStep {
    private final CondBranches branches;
    private final List<Executable> code;

    HostCond(CondBranches branches, Function<Program, Executable> compiler) {
        this.branches = branches;
        this.code = branches.programs().stream().map(compiler).toList();
    }

    @Override
    public List<NDArray> run(List<NDArray> inputs) {
        int b = branches.select(inputs.get(0).getDouble(0));
        return code.get(b).run(inputs.subList(1, inputs.size()), List.of());
    }

    @Override
    public void close() {
        code.forEach(Executable::close);
    }

    @Override
    public String toString() {
        return branches.toString();
    }
}
