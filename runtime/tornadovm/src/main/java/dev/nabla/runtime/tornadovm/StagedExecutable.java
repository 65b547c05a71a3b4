package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A program with loops or conditionals, run as its {@link ProgramStages}: each loop-free stage
 * compiled for the device as a program of its own, and between them each loop or conditional
 * run by the host ({@link HostLoop}, {@link HostCond}), its body's task graph once per
 * iteration; a random draw runs on the host too ({@link HostRandom}). Values cross between stages through the host. The last stage computes the
 * outputs and the updates, so that updated parameters stay on the device as in any program.
 */
final class StagedExecutable implements Executable {
    private final Program program;
    /** One per stage; null where a stage computes nothing. */
    private final List<Executable> stages = new ArrayList<>();
    private final List<ProgramStages.Family> families;
    private final List<HostStep> hostSteps = new ArrayList<>();
    /** The values of constants that a loop or conditional reads directly. */
    private final Map<Node, NDArray> constants = new HashMap<>();

    /** @param compiler compiles a stage, a loop body or a branch for the device (staged again if it has loops) */
    StagedExecutable(Program program, Function<Program, Executable> compiler) {
        this(program, compiler, compiler);
    }

    /**
     * @param compiler compiles a stage for the device (staged again if it has loops)
     * @param bodies   compiles a loop body or a branch, which runs on values made for each iteration
     */
    StagedExecutable(Program program, Function<Program, Executable> compiler, Function<Program, Executable> bodies) {
        this.program = program;
        ProgramStages.Plan plan = ProgramStages.of(program);
        this.families = plan.families();
        for (Program stage : plan.stages()) {
            stages.add(stage == null ? null : compiler.apply(stage));
        }
        for (ProgramStages.Family f : families) {
            hostSteps.add(f.loop() != null ? new HostLoop(f.loop(), bodies)
                    : f.branches() != null ? new HostCond(f.branches(), bodies) : new HostRandom(f.random()));
            for (Node in : f.inputs()) {
                if (in.op() instanceof Op.Constant(Literal value)) {
                    double[] values = new double[in.shape().size()];
                    Arrays.setAll(values, value::at);
                    constants.put(in, NDArray.fromDoubles(in.dtype(), in.shape(), values));
                }
            }
        }
    }

    @Override
    public Program program() {
        return program;
    }

    @Override
    public synchronized List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
        Map<Node, NDArray> values = new HashMap<>(constants);
        for (int i = 0; i < inputs.size(); i++) {
            values.put(program.inputs().get(i), inputs.get(i));
        }
        for (int i = 0; i < parameters.size(); i++) {
            values.put(program.parameters().get(i), parameters.get(i));
        }
        for (int f = 0; f < families.size(); f++) {
            runStage(stages.get(f), values);
            ProgramStages.Family family = families.get(f);
            List<NDArray> outputs = hostSteps.get(f).run(family.inputs().stream().map(n -> valueOf(n, values)).toList());
            for (Node m : family.members()) {
                values.put(m, outputs.get(ProgramStages.output(m)));
            }
        }
        return runStage(stages.getLast(), values);
    }

    /** Runs a stage on the values it reads and records the values it computes; returns its results. */
    private static List<NDArray> runStage(Executable stage, Map<Node, NDArray> values) {
        if (stage == null) {
            return List.of();
        }
        Program p = stage.program();
        List<NDArray> results = stage.run(p.inputs().stream().map(n -> valueOf(n, values)).toList(),
                p.parameters().stream().map(n -> valueOf(n, values)).toList());
        for (int i = 0; i < p.outputs().size(); i++) {
            values.put(p.outputs().get(i), results.get(i));
        }
        return results;
    }

    private static NDArray valueOf(Node n, Map<Node, NDArray> values) {
        NDArray v = values.get(n);
        if (v == null) {
            throw new IllegalStateException("tornadovm: no value for " + n.describe() + " when a stage needs it");
        }
        return v;
    }

    @Override
    public synchronized void close() {
        stages.stream().filter(s -> s != null).forEach(Executable::close);
        hostSteps.forEach(HostStep::close);
    }
}
