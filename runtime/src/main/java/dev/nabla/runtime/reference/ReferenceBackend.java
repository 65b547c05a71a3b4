package dev.nabla.runtime.reference;

import dev.nabla.compiler.Program;
import dev.nabla.runtime.Backend;
import dev.nabla.core.Device;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.util.List;

/** The reference interpreter as a backend: always present, lowest priority. */
public final class ReferenceBackend implements Backend {
    public static final String NAME = "reference";
    private static final Device CPU = Device.host(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public List<Device> devices() {
        return List.of(CPU);
    }

    @Override
    public Executable compile(Program program, Device device) {
        return new Executable() {
            @Override
            public Program program() {
                return program;
            }

            @Override
            public List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
                return ReferenceInterpreter.run(program, inputs, parameters);
            }
        };
    }
}
