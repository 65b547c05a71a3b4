package dev.nabla.compiler.lower;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.ShapeRules;
import dev.nabla.compiler.ir.UnaryFn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Random programs over every op, built straight from {@link Ops} on small shapes: the lowering
 * tests need many kernels, views of views and temporaries with overlapping lifetimes, not
 * meaningful numbers. Values may well be NaN or infinite; the memory-plan check compares bits.
 */
final class RandomPrograms {
    private RandomPrograms() {}

    record Built(List<Node> outputs) {}

    static Built build(NodeTable t, Random r) {
        DType dtype = r.nextBoolean() ? DType.F32 : DType.F64;
        int rank = 1 + r.nextInt(3);
        int[] full = new int[rank];
        for (int d = 0; d < rank; d++) {
            full[d] = 1 + r.nextInt(5);
        }
        List<Node> pool = new ArrayList<>();
        int leaves = 1 + r.nextInt(3);
        for (int i = 0; i < leaves; i++) {
            int[] dims = full.clone();
            for (int d = 0; d < rank; d++) {
                if (r.nextInt(4) == 0) {
                    dims[d] = 1;
                }
            }
            Shape s = new Shape(dims);
            pool.add(r.nextBoolean() ? Ops.input(t, "x" + i, s, dtype) : Ops.parameter(t, "p" + i, s, dtype));
        }
        int steps = 2 + r.nextInt(12);
        for (int i = 0; i < steps; i++) {
            Node a = pool.get(pool.size() - 1 - r.nextInt(Math.min(3, pool.size())));
            Node b = pool.get(r.nextInt(pool.size()));
            Node next = step(t, r, a, b, dtype);
            if (next.dtype() == dtype && next.shape().size() > 0) {
                pool.add(next);
            }
        }
        List<Node> outputs = new ArrayList<>();
        outputs.add(pool.get(pool.size() - 1));
        for (Node n : pool) {
            if (!n.isVariable() && r.nextInt(4) == 0 && !outputs.contains(n)) {
                outputs.add(n);
            }
        }
        Collections.shuffle(outputs, r);
        return new Built(outputs);
    }

    private static Node scalarOf(Node x) {
        return Ops.sum(x, new int[0], false);
    }

    /** b, or its sum when it does not broadcast with a. */
    private static Node compatible(Node a, Node b) {
        try {
            ShapeRules.broadcast("test", a.shape(), b.shape());
            return b;
        } catch (RuntimeException e) {
            return scalarOf(b);
        }
    }

    private static Node step(NodeTable t, Random r, Node a, Node b, DType dtype) {
        UnaryFn[] unary = UnaryFn.values();
        BinaryFn[] binary = BinaryFn.values();
        int rank = a.rank();
        return switch (r.nextInt(16)) {
            case 0, 1 -> Ops.unary(unary[r.nextInt(unary.length)], a);
            case 2, 3 -> Ops.binary(binary[r.nextInt(binary.length)], a, compatible(a, b));
            case 4 -> Ops.fma(a, compatible(a, b), Ops.scalarLike(a, r.nextDouble()));
            case 5 -> Ops.where(Ops.compare(CompareFn.values()[r.nextInt(5)], a, compatible(a, b)),
                    Ops.sin(a), compatible(a, b));
            case 6 -> {
                ReduceFn fn = ReduceFn.values()[r.nextInt(4)];
                List<Integer> axes = new ArrayList<>();
                for (int d = 0; d < rank; d++) {
                    if (r.nextBoolean()) {
                        axes.add(d);
                    }
                }
                if (axes.isEmpty()) { // no axes means all axes
                    for (int d = 0; d < rank; d++) {
                        axes.add(d);
                    }
                }
                Node red = Ops.reduce(fn, Ops.exp(Ops.neg(Ops.abs(a))),
                        axes.stream().mapToInt(Integer::intValue).toArray(), r.nextBoolean());
                yield Ops.mul(Ops.broadcastTo(Ops.reshape(red, keptShape(a.shape(), axes)), a.shape()), a);
            }
            case 7 -> {
                if (rank < 2) {
                    yield Ops.tanh(a);
                }
                List<Integer> perm = new ArrayList<>();
                for (int d = 0; d < rank; d++) {
                    perm.add(d);
                }
                Collections.shuffle(perm, r);
                int[] p = perm.stream().mapToInt(Integer::intValue).toArray();
                int[] inverse = new int[rank];
                for (int d = 0; d < rank; d++) {
                    inverse[p[d]] = d;
                }
                Node moved = Ops.permute(a, p);
                Node flat = Ops.cos(Ops.reshape(moved, -1));
                yield Ops.permute(Ops.reshape(flat, moved.shape()), inverse);
            }
            case 8 -> {
                int axis = r.nextInt(rank);
                int n = a.shape().dim(axis);
                int start = r.nextInt(n);
                int step = 1 + r.nextInt(2);
                Node part = Ops.slice(a, axis, start, n, step);
                // The adjoint of the slice puts it back in zeros of a's shape.
                int[] starts = new int[rank];
                int[] steps = new int[rank];
                java.util.Arrays.fill(steps, 1);
                starts[axis] = start;
                steps[axis] = step;
                yield Ops.add(Ops.pad(Ops.exp(part), starts, steps, a.shape()), a);
            }
            case 9 -> {
                int axis = r.nextInt(rank);
                int n = a.shape().dim(axis);
                if (n < 2) {
                    yield Ops.concat(axis, List.of(Ops.sin(a)));
                }
                int k = 1 + r.nextInt(n - 1);
                yield Ops.concat(axis, List.of(Ops.slice(a, axis, k, n, 1), Ops.neg(Ops.slice(a, axis, 0, k, 1))));
            }
            case 10 -> {
                int axis = r.nextInt(rank + 1);
                yield Ops.max(Ops.stack(axis, List.of(a, Ops.sin(a))), new int[] {axis}, false);
            }
            case 11 -> {
                if (rank < 2) {
                    yield Ops.matmul(Ops.unsqueeze(a, 0), Ops.unsqueeze(a, 1));
                }
                Node at = Ops.matrixTranspose(a);
                yield Ops.matmul(Ops.matmul(a, at), a);
            }
            case 12 -> {
                DType other = dtype == DType.F32 ? DType.F64 : DType.F32;
                yield Ops.cast(Ops.add(Ops.cast(a, other), Ops.cast(compatible(a, b), other)), dtype);
            }
            case 13 -> Ops.stopGradient(Ops.mul(a, a));
            case 14 -> Ops.add(Ops.broadcastTo(scalarOf(b), a.shape()), Ops.sqrt(Ops.abs(a)));
            default -> {
                Node sq = Ops.squeeze(a);
                yield Ops.reshape(Ops.softplus(sq), a.shape());
            }
        };
    }

    private static Shape keptShape(Shape s, List<Integer> axes) {
        int[] dims = s.dims();
        for (int a : axes) {
            dims[a] = 1;
        }
        return new Shape(dims);
    }
}
