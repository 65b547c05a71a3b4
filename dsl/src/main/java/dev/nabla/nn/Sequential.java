package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.List;

/** Modules applied in turn; the i-th one's parameters are named {@code i.name}, as in PyTorch. */
public record Sequential(List<Module> modules) implements Module {

    public Sequential {
        modules = List.copyOf(modules);
    }

    public static Sequential of(Module... modules) {
        return new Sequential(List.of(modules));
    }

    @Override
    public void declare(Declarations d) {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).declare(d.child(String.valueOf(i)));
        }
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        Tensor y = x;
        for (int i = 0; i < modules.size(); i++) {
            y = modules.get(i).forward(y, scope.child(String.valueOf(i)));
        }
        return y;
    }
}
