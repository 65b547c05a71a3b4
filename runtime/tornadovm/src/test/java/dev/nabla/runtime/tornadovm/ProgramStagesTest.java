package dev.nabla.runtime.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Scan;
import dev.nabla.Tensor;
import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.NDArray;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a program with loops is cut into stages: no device needed. */
class ProgramStagesTest {
    private static List<Node> nodes(List<Tensor> tensors) {
        return tensors.stream().map(Tensor::node).toList();
    }

    /** Every node a stage computes (not an input, parameter or constant of it), over all stages: each once. */
    private static void assertEachNodeComputedOnce(ProgramStages.Plan plan) {
        Set<Node> computed = new HashSet<>();
        for (Program stage : plan.stages()) {
            if (stage == null) {
                continue;
            }
            for (Node n : stage.nodes()) {
                if (!stage.inputs().contains(n) && !stage.parameters().contains(n) && !(n.op() instanceof Op.Constant)) {
                    assertTrue(computed.add(n), n.describe() + " is computed by two stages");
                    assertFalse(n.op() instanceof Op.Loop || n.op() instanceof Op.Cond, "a stage holds " + n.describe());
                }
            }
        }
    }

    @Test
    void aScanAndItsGradientAreTwoLoopsBetweenThreeStages() {
        try (Graph g = Graph.create()) {
            Tensor h0 = g.input("h0", DType.F32, 2, 3);
            Tensor xs = g.input("xs", DType.F32, 4, 2, 3);
            Tensor w = g.parameter("w", NDArray.full(DType.F32, dev.nabla.core.Shape.of(3, 3), 0.1));
            Scan.Result s = Nabla.scan(h0, xs, (h, x) -> {
                Tensor next = h.matmul(w).add(x).tanh();
                return Scan.Step.of(next, next.sum());
            });
            Tensor loss = s.carry().sum().add(s.stacked().sum());
            Program program = Program.of(nodes(List.of(loss, loss.grad(w))));
            assertTrue(ProgramStages.hasControlFlow(program));
            ProgramStages.Plan plan = ProgramStages.of(program);
            // The forward loop runs once, as its history (which reverse mode reads), then the backward loop.
            assertEquals(2, plan.families().size());
            assertNotNull(plan.families().get(0).loop().base(), "the loop that stacks its carries");
            assertNull(plan.stages().get(0), "the forward loop reads the inputs as they are");
            assertEquals(3, plan.stages().size());
            assertNotNull(plan.stages().getLast());
            assertEachNodeComputedOnce(plan);
        }
    }

    @Test
    void updatesAreComputedInTheLastStageWithTheirParameters() {
        try (Graph g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F32);
            Tensor a = g.scalar("a", 0.5f);
            Tensor b = g.scalar("b", 2f);
            Tensor loss = Nabla.fori(3, x0.mul(b), x -> x.mul(a).sin()).pow(2);
            Program program = Program.of(nodes(List.of(loss)), List.of(
                    new Program.Update(a.node(), a.sub(loss.grad(a)).node()),
                    new Program.Update(b.node(), b.sub(loss.grad(b)).node())));
            ProgramStages.Plan plan = ProgramStages.of(program);
            Program last = plan.stages().getLast();
            assertEquals(program.updates(), last.updates());
            assertEquals(List.of(a.node(), b.node()), last.parameters());
            Program first = plan.stages().getFirst();
            assertEquals(List.of(x0.mul(b).node()), first.outputs(), "the initial carry, computed before the loop");
            assertEachNodeComputedOnce(plan);
        }
    }

    @Test
    void aLoopOutputTakenAsAnInputIsNoControlFlow() {
        try (Graph g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F32);
            Tensor looped = Nabla.fori(2, x0, x -> x.sin());
            Node y = looped.mul(2).node();
            Program full = Program.of(List.of(y));
            assertTrue(ProgramStages.hasControlFlow(full));
            // As a loop body has it: the loop's output is a value it is given, not one it computes.
            Program afterTheLoop = new Program(List.of(y), List.of(),
                    full.nodes().stream().filter(n -> n.id() >= looped.node().id()).toList(), List.of(looped.node()),
                    List.of());
            assertFalse(ProgramStages.hasControlFlow(afterTheLoop));
        }
    }
}
