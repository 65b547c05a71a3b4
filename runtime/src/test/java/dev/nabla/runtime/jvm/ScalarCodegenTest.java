package dev.nabla.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.reference.ReferenceInterpreter;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scalar programs far larger than one JVM method may hold (64 KiB of bytecode; HotSpot compiles
 * none above 8,000 bytes) are generated as several methods, and still round exactly as the
 * reference interpreter does.
 */
class ScalarCodegenTest {
    /** A program of about 4 * steps nodes whose values feed each other across the whole program. */
    private static Program chain(int steps) {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", Shape.SCALAR, DType.F64);
        Node p = Ops.parameter(table, "p", Shape.SCALAR, DType.F32);
        Node y = x;
        Node q = Ops.cast(p, DType.F64);
        for (int i = 0; i < steps; i++) {
            y = Ops.add(Ops.mul(y, 0.9999), Ops.mul(Ops.sin(y), 1e-4 * (1 + i % 3)));
            if (i % 1000 == 0) {
                q = Ops.add(q, y); // read again far later: passes between methods
            }
        }
        Node xFirst = x;
        return Program.of(List.of(Ops.add(y, q), xFirst, Ops.cast(q, DType.F32)));
    }

    @Test
    void aProgramTooLargeForOneMethodIsSplitIntoCompiledSizedMethods() {
        Program program = chain(20_000);
        assertThat(program.nodes().size()).isGreaterThan(80_000);
        ScalarCodegen.Generated generated = ScalarCodegen.generate(program);
        ClassModel model = ClassFile.of().parse(generated.bytes());
        int total = 0;
        int parts = 0;
        for (MethodModel m : model.methods()) {
            int length = m.findAttribute(java.lang.classfile.Attributes.code())
                    .map(CodeAttribute::codeLength).orElse(0);
            assertThat(length).as("bytecode of %s", m.methodName()).isLessThan(8000);
            total += length;
            parts += m.methodName().stringValue().startsWith("part") ? 1 : 0;
        }
        assertThat(total).as("the program's code in all").isGreaterThan(64 * 1024);
        assertThat(parts).isGreaterThan(300);
    }

    @Test
    void splitProgramsRoundExactlyAsTheInterpreter() {
        Program program = chain(20_000);
        ScalarExecutable exe = ScalarExecutable.compile(program);
        List<NDArray> inputs = List.of(NDArray.scalar(0.7));
        List<NDArray> parameters = List.of(NDArray.scalar(1.25f));
        List<NDArray> got = exe.run(inputs, parameters);
        List<NDArray> want = ReferenceInterpreter.run(program, inputs, parameters);
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i), got.get(i), "result " + i);
        }
        assertEquals(0.7, got.get(1).item(), "a variable as a result");
    }
}
