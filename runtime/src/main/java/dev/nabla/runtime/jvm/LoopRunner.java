package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a loop step: the body's program, compiled once by this backend (fused kernels, or
 * straight-line code when it is all scalars), called once per step. The carries live in two sets
 * of arrays that trade places each step, so a step writes its new carries straight into the
 * other set; per-step inputs are gathered into one array each, per-step outputs copied into the
 * stacked result. A run allocates those arrays once; a step allocates only what a call of the
 * body's executable does.
 */
final class LoopRunner implements StepRunner {
    private final Step.Loop step;
    private final LoopBody body;
    /** The body and condition, compiled at the first run that takes a step. */
    private Executable code;
    private Executable condition;

    LoopRunner(Step.Loop step) {
        this.step = step;
        this.body = step.body();
    }

    /**
     * Compiled on first use: a loop of no steps never compiles its body, which may be one that
     * could not run at all (a slice too large to hold, say), as the reference interpreter never
     * evaluates it either.
     */
    private synchronized void compile() {
        if (code == null) {
            JvmBackend backend = new JvmBackend();
            code = backend.compile(body.program(), null);
            condition = body.isWhile() ? backend.compile(body.conditionProgram(), null) : null;
        }
    }

    @Override
    public void run(Object[] buffers) {
        if (body.length() == 0) {
            // No step: the final carries are the initial ones, the stacked outputs empty.
            for (int i = 0; i < body.carries().size(); i++) {
                int out = step.buffers().get(i);
                if (out >= 0) {
                    View init = step.inputs().get(i);
                    Object values = Gathers.contiguous(init, buffers);
                    System.arraycopy(values, 0, buffers[out], 0, init.shape().size());
                }
            }
            return;
        }
        compile();
        int nc = body.carries().size();
        int nx = body.xs().size();
        int nk = body.captured().size();
        int ny = body.ys().size();
        List<View> in = step.inputs();
        double[] index = new double[1];
        List<NDArray> args = new ArrayList<>(1 + nc + nx + nk);
        args.add(NDArray.wrap(DType.I32, Shape.SCALAR, index));
        NDArray[][] carries = new NDArray[2][nc];
        for (int i = 0; i < nc; i++) {
            Node c = body.carries().get(i);
            carries[0][i] = NDArray.wrap(c.dtype(), c.shape(), Gathers.contiguous(in.get(i), buffers));
            carries[1][i] = NDArray.wrap(c.dtype(), c.shape(), Lanes.of(c.dtype().storage()).newArray(c.shape().size()));
            args.add(carries[0][i]);
        }
        Object[] slices = new Object[nx];
        for (int i = 0; i < nx; i++) {
            Node x = body.xs().get(i);
            slices[i] = Lanes.of(x.dtype().storage()).newArray(x.shape().size());
            args.add(NDArray.wrap(x.dtype(), x.shape(), slices[i]));
        }
        for (int k = 0; k < nk; k++) {
            Node c = body.captured().get(k);
            args.add(NDArray.wrap(c.dtype(), c.shape(), Gathers.contiguous(in.get(nc + nx + k), buffers)));
        }
        Object[] destinations = new Object[nc + ny];
        for (int y = 0; y < ny; y++) {
            destinations[nc + y] = Lanes.of(body.ys().get(y).dtype().storage()).newArray(body.ys().get(y).shape().size());
        }
        int current = 0;
        int length = body.length();
        for (int s = 0; body.isWhile() ? length < 0 || s < length : s < length; s++) {
            int t = body.reverse() ? length - 1 - s : s;
            index[0] = t;
            for (int i = 0; i < nx; i++) {
                View stacked = in.get(nc + i);
                int size = body.xs().get(i).shape().size();
                if (stacked.isContiguous()) {
                    System.arraycopy(buffers[stacked.buffer()], stacked.offset() + t * size, slices[i], 0, size);
                } else {
                    Gathers.gather(Lanes.of(body.xs().get(i).dtype().storage()), stacked, stacked.shape(),
                            buffers[stacked.buffer()], t * size, size, slices[i], 0);
                }
            }
            if (condition != null && condition.run(args, List.of()).get(0).getDouble(0) == 0) {
                break;
            }
            for (int i = 0; i < nc; i++) {
                destinations[i] = carries[1 - current][i].storage();
            }
            code.runInto(args, List.of(), destinations);
            for (int y = 0; y < ny; y++) {
                int out = step.buffers().get(nc + y);
                if (out >= 0) {
                    int size = body.ys().get(y).shape().size();
                    System.arraycopy(destinations[nc + y], 0, buffers[out], t * size, size);
                }
            }
            current = 1 - current;
            for (int i = 0; i < nc; i++) {
                args.set(1 + i, carries[current][i]);
            }
        }
        for (int i = 0; i < nc; i++) {
            int out = step.buffers().get(i);
            if (out >= 0) {
                Object carry = carries[current][i].storage();
                System.arraycopy(carry, 0, buffers[out], 0, body.carries().get(i).shape().size());
            }
        }
    }

    @Override
    public String toString() {
        return body + " " + Arrays.toString(step.buffers().toArray());
    }
}
