package dev.nabla.runtime.reference;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;

/** Loops for the reference interpreter: the body's program interpreted once per step. */
final class ReferenceLoops {
    private ReferenceLoops() {}

    /**
     * The outputs of the loop (final carries, then stacked outputs) from its inputs' values; a
     * stacked output not {@code wanted} is not kept (null).
     */
    static List<double[]> run(LoopBody body, List<double[]> inputs, java.util.Set<Integer> wanted) {
        int nc = body.carries().size();
        int nx = body.xs().size();
        List<double[]> carries = new ArrayList<>(inputs.subList(0, nc));
        List<double[]> stacked = inputs.subList(nc, nc + nx);
        List<double[]> captured = inputs.subList(nc + nx, inputs.size());
        int ny = body.ys().size();
        List<double[]> ys = new ArrayList<>();
        for (int i = 0; i < ny; i++) {
            ys.add(wanted.contains(nc + i) ? new double[body.outputShape(nc + i).size()] : null);
        }
        int length = body.length();
        for (int step = 0; body.isWhile() ? length < 0 || step < length : step < length; step++) {
            int t = body.reverse() ? length - 1 - step : step;
            List<NDArray> args = arguments(body, t, carries, stacked, captured);
            if (body.isWhile() && ReferenceInterpreter.run(body.conditionProgram(), args, List.of()).get(0).item() == 0) {
                break;
            }
            List<NDArray> results = ReferenceInterpreter.run(body.program(), args, List.of());
            for (int i = 0; i < nc; i++) {
                carries.set(i, results.get(i).toDoubleArray());
            }
            for (int i = 0; i < ny; i++) {
                if (ys.get(i) != null) {
                    double[] y = results.get(nc + i).toDoubleArray();
                    System.arraycopy(y, 0, ys.get(i), t * y.length, y.length);
                }
            }
        }
        List<double[]> out = new ArrayList<>(carries);
        out.addAll(ys);
        return out;
    }

    /** Every result of the branch the index (input 0) selects, over the captured values. */
    static List<double[]> cond(dev.nabla.compiler.ir.CondBranches branches, List<double[]> inputs) {
        int b = branches.select(inputs.get(0)[0]);
        List<NDArray> args = new ArrayList<>();
        for (int k = 0; k < branches.captured().size(); k++) {
            args.add(array(branches.captured().get(k), inputs.get(1 + k)));
        }
        return ReferenceInterpreter.run(branches.programs().get(b), args, List.of()).stream()
                .map(NDArray::toDoubleArray).toList();
    }

    private static List<NDArray> arguments(LoopBody body, int t, List<double[]> carries, List<double[]> stacked,
                                           List<double[]> captured) {
        Program p = body.program();
        List<NDArray> args = new ArrayList<>(p.inputs().size());
        args.add(NDArray.fromDoubles(DType.I32, body.index().shape(), new double[] {t}));
        for (int i = 0; i < carries.size(); i++) {
            args.add(array(body.carries().get(i), carries.get(i)));
        }
        for (int i = 0; i < stacked.size(); i++) {
            Node x = body.xs().get(i);
            int size = x.shape().size();
            double[] slice = new double[size];
            System.arraycopy(stacked.get(i), t * size, slice, 0, size);
            args.add(array(x, slice));
        }
        for (int i = 0; i < captured.size(); i++) {
            args.add(array(body.captured().get(i), captured.get(i)));
        }
        return args;
    }

    private static NDArray array(Node like, double[] values) {
        return NDArray.fromDoubles(like.dtype(), like.shape(), values);
    }
}
