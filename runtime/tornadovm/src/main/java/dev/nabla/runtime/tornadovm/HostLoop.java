package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.core.Shape;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A loop run on the host: the body's program compiled for the device once, its task graph run
 * once per step (and, for a while loop, the condition's before each step). The host gathers
 * each step's slice of the stacked inputs, passes the carries from one step to the next and
 * stacks the per-step outputs. The captured values are the body's parameters: they cross to the
 * device once per loop run, not once per step.
 */
final class HostLoop implements HostStep {
    private final LoopBody body;
    private final Executable step;
    private final Executable condition;

    HostLoop(LoopBody body, Function<Program, Executable> compiler) {
        this.body = body;
        this.step = compiler.apply(capturedAsParameters(body.program()));
        this.condition = body.isWhile() ? compiler.apply(capturedAsParameters(body.conditionProgram())) : null;
    }

    /** A program over {@link LoopBody#params()} with the captured values (the last of them) as parameters. */
    private Program capturedAsParameters(Program p) {
        List<Node> in = p.inputs();
        int split = in.size() - body.captured().size();
        return new Program(p.outputs(), List.of(), p.nodes(), in.subList(0, split), in.subList(split, in.size()));
    }

    @Override
    public List<NDArray> run(List<NDArray> inputs) {
        int nc = body.carries().size();
        int nx = body.xs().size();
        int ny = body.ys().size();
        List<NDArray> carries = new ArrayList<>(inputs.subList(0, nc));
        Object[] stacked = new Object[nx];
        for (int i = 0; i < nx; i++) {
            stacked[i] = inputs.get(nc + i).storage();
        }
        // New arrays: an executable skips uploading a parameter it was last given, and a caller
        // may have rewritten a host array since the last run.
        List<NDArray> captured = inputs.subList(nc + nx, inputs.size()).stream()
                .map(v -> v.deviceArray() != null ? v : NDArray.wrap(v.dtype(), v.shape(), v.storage())).toList();
        Object[] ys = new Object[ny];
        for (int y = 0; y < ny; y++) {
            ys[y] = newStorage(body.ys().get(y).dtype(), body.outputShape(nc + y).size());
        }
        int length = body.length();
        for (int s = 0; body.isWhile() ? length < 0 || s < length : s < length; s++) {
            int t = body.reverse() ? length - 1 - s : s;
            List<NDArray> args = new ArrayList<>(1 + nc + nx);
            args.add(NDArray.fromDoubles(DType.I32, Shape.SCALAR, new double[] {t}));
            args.addAll(carries);
            for (int i = 0; i < nx; i++) {
                args.add(slice(body.xs().get(i), stacked[i], t));
            }
            if (condition != null && condition.run(args, captured).get(0).getDouble(0) == 0) {
                break;
            }
            List<NDArray> results = step.run(args, captured);
            for (int i = 0; i < nc; i++) {
                carries.set(i, results.get(i));
            }
            for (int y = 0; y < ny; y++) {
                int size = body.ys().get(y).shape().size();
                System.arraycopy(results.get(nc + y).storage(), 0, ys[y], t * size, size);
            }
        }
        List<NDArray> outputs = new ArrayList<>(carries);
        for (int y = 0; y < ny; y++) {
            outputs.add(NDArray.wrap(body.ys().get(y).dtype(), body.outputShape(nc + y), ys[y]));
        }
        return outputs;
    }

    /** Slice t of a stacked input (row-major, t along the leading axis), as the body's parameter x. */
    private static NDArray slice(Node x, Object stacked, int t) {
        int size = x.shape().size();
        Object part = stacked instanceof float[] f ? Arrays.copyOfRange(f, t * size, (t + 1) * size)
                : Arrays.copyOfRange((double[]) stacked, t * size, (t + 1) * size);
        return NDArray.wrap(x.dtype(), x.shape(), part);
    }

    private static Object newStorage(DType dtype, int size) {
        return dtype.storage() == DType.F32 ? new float[size] : new double[size];
    }

    @Override
    public void close() {
        step.close();
        if (condition != null) {
            condition.close();
        }
    }

    @Override
    public String toString() {
        return body.toString();
    }
}
