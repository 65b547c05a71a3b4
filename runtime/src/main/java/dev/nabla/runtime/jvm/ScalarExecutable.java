package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;

/** A program of scalars run as generated straight-line code (see {@link ScalarCodegen}). */
final class ScalarExecutable implements Executable {
    /** Generated code is shared by structurally equal programs, the least recently used dropped. */
    private static final CodeCache<Program, ScalarCodegen.Compiled> CACHE =
            CodeCache.byStructure(1024, ScalarCodegen::compile);

    private final Program program;
    private final ScalarKernel kernel;
    private final int frameSize;
    private final ThreadLocal<double[][]> scratch;

    /** The program as generated code, or null when it is too large for one class. */
    static ScalarExecutable compile(Program program) {
        ScalarCodegen.Compiled compiled = CACHE.get(program);
        return compiled != null ? new ScalarExecutable(program, compiled) : null;
    }

    private ScalarExecutable(Program program, ScalarCodegen.Compiled compiled) {
        this.program = program;
        this.kernel = compiled.kernel();
        this.frameSize = compiled.frameSize();
        int out = program.results().size();
        this.scratch = ThreadLocal.withInitial(() -> new double[][] {new double[frameSize], new double[out]});
    }

    @Override
    public Program program() {
        return program;
    }

    @Override
    public dev.nabla.runtime.ScalarEntryPoint scalarEntryPoint() {
        return new dev.nabla.runtime.ScalarEntryPoint(kernel::run, frameSize);
    }

    @Override
    public List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
        double[][] io = scratch.get();
        double[] in = io[0];
        double[] out = io[1];
        int i = 0;
        for (NDArray v : inputs) {
            in[i++] = v.getDouble(0);
        }
        for (NDArray v : parameters) {
            in[i++] = v.getDouble(0);
        }
        kernel.run(in, out);
        List<Node> results = program.results();
        List<NDArray> values = new ArrayList<>(results.size());
        for (int r = 0; r < results.size(); r++) {
            Node n = results.get(r);
            // The generated code has rounded each result to its dtype already.
            Object storage = n.dtype() == dev.nabla.core.DType.F32 ? new float[] {(float) out[r]}
                    : new double[] {out[r]};
            values.add(NDArray.wrap(n.dtype(), n.shape(), storage));
        }
        return values;
    }
}
