package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.runtime.Backend;
import dev.nabla.core.Device;
import dev.nabla.runtime.Executable;
import java.util.List;

/**
 * The fast CPU backend: fused kernels over SIMD primitives, views instead of copies, a memory
 * plan that reuses temporaries, and one thread pool. Preferred over the reference interpreter.
 */
public final class JvmBackend implements Backend {
    public static final String NAME = "jvm";
    private static final Device CPU = Device.host(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public List<Device> devices() {
        return List.of(CPU);
    }

    @Override
    public Executable compile(Program program, Device device) {
        if (ScalarCodegen.accepts(program)) {
            ScalarExecutable scalar = ScalarExecutable.compile(program);
            if (scalar != null) {
                return scalar;
            }
        }
        return new JvmExecutable(program);
    }
}
