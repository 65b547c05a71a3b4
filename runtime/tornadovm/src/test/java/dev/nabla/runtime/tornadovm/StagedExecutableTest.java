package dev.nabla.runtime.tornadovm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Scan;
import dev.nabla.Tensor;
import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.core.Shape;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.jvm.JvmBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The staging and the host's loops, with every stage and body compiled by the JVM backend
 * instead of TornadoVM: the orchestration alone, checked against the JVM backend's own loops.
 */
class StagedExecutableTest {
    private static final JvmBackend JVM = new JvmBackend();

    private static NDArray values(int seed, int... dims) {
        Shape shape = Shape.of(dims);
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(seed + 0.7 * i);
        }
        return NDArray.fromDoubles(DType.F64, shape, v);
    }

    private static List<NDArray> run(Executable exe, Map<Node, NDArray> values) {
        Program p = exe.program();
        return exe.run(p.inputs().stream().map(values::get).toList(), p.parameters().stream().map(values::get).toList());
    }

    @Test
    void aScanWithItsGradientAndAConditionalEqualTheJvmBackend() {
        try (Graph g = Graph.create()) {
            Tensor h0 = g.input("h0", DType.F64, 2, 3);
            Tensor xs = g.input("xs", DType.F64, 4, 2, 3);
            Tensor w = g.input("w", DType.F64, 3, 3);
            Scan.Result s = Nabla.scan(h0, xs, (h, x) -> {
                Tensor next = h.matmul(w).add(x).tanh();
                return Scan.Step.of(next, next.sum());
            });
            Tensor loss = Nabla.cond(s.stacked().sum().gt(0.0), () -> s.carry().pow(2).sum(), () -> s.stacked().exp().sum());
            List<Node> outputs = List.of(s.carry().node(), s.stacked().node(), loss.node(), loss.grad(w).node(),
                    loss.grad(h0).node(), Nabla.whileLoop(loss, v -> v.lt(50.0), v -> v.mul(2).add(1)).node());
            Program program = Program.of(outputs);
            Map<Node, NDArray> feeds = Map.of(h0.node(), values(1, 2, 3), xs.node(), values(2, 4, 2, 3),
                    w.node(), values(3, 3, 3));
            List<NDArray> expected = run(JVM.compile(program, null), feeds);
            List<NDArray> actual = run(new StagedExecutable(program, p -> JVM.compile(p, null)), feeds);
            for (int k = 0; k < outputs.size(); k++) {
                assertArrayEquals(expected.get(k).toDoubleArray(), actual.get(k).toDoubleArray(), 1e-12, "output " + k);
            }
        }
    }

    /** The captured values are the body's parameters: the same arrays through one loop run, new ones the next. */
    @Test
    void aLoopGivesItsBodyTheSameCapturedArraysAtEveryStep() {
        try (Graph g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F64, 2);
            Tensor c = g.input("c", DType.F64, 2);
            Tensor y = Nabla.fori(3, x0, x -> x.mul(c).sin());
            Program program = Program.of(List.of(y.node()));
            List<List<NDArray>> captured = new ArrayList<>();
            Function<Program, Executable> recording = p -> {
                Executable inner = JVM.compile(p, null);
                return new Executable() {
                    @Override
                    public Program program() {
                        return inner.program();
                    }

                    @Override
                    public List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
                        if (!parameters.isEmpty()) {
                            captured.add(parameters);
                        }
                        return inner.run(inputs, parameters);
                    }
                };
            };
            StagedExecutable staged = new StagedExecutable(program, recording);
            NDArray cValue = values(4, 2);
            Map<Node, NDArray> feeds = Map.of(x0.node(), values(5, 2), c.node(), cValue);
            NDArray first = run(staged, feeds).get(0);
            run(staged, feeds);
            assertEquals(6, captured.size(), "three steps a run");
            for (int step = 1; step < 3; step++) {
                assertSame(captured.get(0).get(0), captured.get(step).get(0));
                assertSame(captured.get(3).get(0), captured.get(3 + step).get(0));
            }
            assertNotSame(captured.get(0).get(0), captured.get(3).get(0), "a host array may have changed between runs");
            assertNotSame(cValue, captured.get(0).get(0));
            assertArrayEquals(run(JVM.compile(program, null), feeds).get(0).toDoubleArray(), first.toDoubleArray(), 0);
        }
    }

    /**
     * Loop bodies are compiled apart from the stages: the TornadoVM backend compiles them without
     * resident inputs, since a body's inputs are new arrays at every step.
     */
    @Test
    void loopBodiesAreCompiledByTheirOwnCompiler() {
        try (Graph g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F64, 2);
            Tensor y = Nabla.fori(3, x0, x -> x.sin()).mul(2);
            Program program = Program.of(List.of(y.node()));
            List<Program> stages = new ArrayList<>();
            List<Program> bodies = new ArrayList<>();
            StagedExecutable staged = new StagedExecutable(program, p -> {
                stages.add(p);
                return JVM.compile(p, null);
            }, p -> {
                bodies.add(p);
                return JVM.compile(p, null);
            });
            Map<Node, NDArray> feeds = Map.of(x0.node(), values(5, 2));
            assertArrayEquals(run(JVM.compile(program, null), feeds).get(0).toDoubleArray(),
                    run(staged, feeds).get(0).toDoubleArray(), 0);
            assertEquals(1, bodies.size(), "the loop's body");
            assertTrue(bodies.getFirst().nodes().stream().anyMatch(n -> n.opName().equals("sin")), "the body computes sin");
            assertTrue(stages.stream().noneMatch(p -> p.nodes().stream().anyMatch(n -> n.opName().equals("sin"))),
                    "no stage computes the body");
        }
    }
}
