package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.runtime.Executable;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import dev.nabla.core.Shape;
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
    /** Each result's dtype and shape, read once: a call wraps one number per result. */
    private final DType[] resultTypes;
    private final Shape[] resultShapes;

    /** The program as generated code, or null when it is too large for one class. */
    static ScalarExecutable compile(Program program) {
        ScalarCodegen.Compiled compiled = CACHE.get(program);
        return compiled != null ? new ScalarExecutable(program, compiled) : null;
    }

    private ScalarExecutable(Program program, ScalarCodegen.Compiled compiled) {
        this.program = program;
        this.kernel = compiled.kernel();
        this.frameSize = compiled.frameSize();
        List<Node> results = program.results();
        int out = results.size();
        this.resultTypes = new DType[out];
        this.resultShapes = new Shape[out];
        for (int r = 0; r < out; r++) {
            resultTypes[r] = results.get(r).dtype();
            resultShapes[r] = results.get(r).shape();
        }
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
        int n = inputs.size();
        for (int i = 0; i < n; i++) {
            in[i] = inputs.get(i).getDouble(0);
        }
        for (int i = 0, p = parameters.size(); i < p; i++) {
            in[n + i] = parameters.get(i).getDouble(0);
        }
        return results(io);
    }

    @Override
    public List<NDArray> run(NDArray[] inputs, NDArray[] parameters) {
        double[][] io = scratch.get();
        double[] in = io[0];
        int n = inputs.length;
        for (int i = 0; i < n; i++) {
            in[i] = inputs[i].getDouble(0);
        }
        for (int i = 0; i < parameters.length; i++) {
            in[n + i] = parameters[i].getDouble(0);
        }
        return results(io);
    }

    /** Runs the code on the frame {@code io[0]} and wraps its results, {@code io[1]}. */
    private List<NDArray> results(double[][] io) {
        double[] out = io[1];
        kernel.run(io[0], out);
        List<NDArray> values = new ArrayList<>(resultTypes.length);
        for (int r = 0; r < resultTypes.length; r++) {
            // The generated code has rounded each result to its dtype already.
            Object storage = resultTypes[r] == DType.F32 ? new float[] {(float) out[r]} : new double[] {out[r]};
            values.add(NDArray.wrap(resultTypes[r], resultShapes[r], storage));
        }
        return values;
    }
}
