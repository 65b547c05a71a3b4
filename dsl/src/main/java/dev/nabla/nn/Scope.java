package dev.nabla.nn;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;

/**
 * What a layer sees while it builds its output: its parameters by local name, its children's
 * scopes, and whether the model runs in training or evaluation mode.
 */
public final class Scope {
    private final Model model;
    private final String prefix;
    private final boolean training;

    Scope(Model model, String prefix, boolean training) {
        this.model = model;
        this.prefix = prefix;
        this.training = training;
    }

    /**
     * {@return the parameter or buffer this layer declared as {@code name}}
     *
     * @param name the name the layer declared
     * @throws dev.nabla.core.NablaException if this layer declared no such name
     */
    public Tensor get(String name) {
        Tensor t = model.tensors().get(prefix + name);
        if (t == null) {
            throw new NablaException("forward: the layer at '" + (prefix.isEmpty() ? "(root)" : prefix)
                    + "' reads '" + name + "', which it did not declare; declare it in declare()");
        }
        return t;
    }

    /**
     * {@return the scope of the child layer declared as {@code name}}
     *
     * @param name the child's name
     */
    public Scope child(String name) {
        return new Scope(model, prefix + name + ".", training);
    }

    /** {@return true in training mode (dropout drops, batch norm uses and updates batch statistics)} */
    public boolean training() {
        return training;
    }

    /**
     * {@return a random key for this layer alone: the model's key folded with the layer's place in it,
     * so that two dropouts draw different masks and every training step new ones}
     */
    public Tensor key() {
        return dev.nabla.Nabla.foldIn(model.key(), prefix.hashCode());
    }

    /** {@return the model's graph, for layers that build tensors of their own} */
    public Graph graph() {
        return model.graph();
    }

    /**
     * In training mode, makes each training step set the buffer {@code name} to {@code next}
     * (see {@link Graph#assignOnStep}); nothing in evaluation mode.
     *
     * @param name the buffer this layer declared
     * @param next its value after the step
     */
    public void updateOnStep(String name, Tensor next) {
        if (training) {
            model.graph().assignOnStep(get(name), next);
        }
    }

    /**
     * In training mode, makes each training step whose loss uses {@code output} (this layer's
     * output) set the buffer {@code name} to {@code next}; nothing in evaluation mode.
     *
     * @param name   the buffer this layer declared
     * @param next   its value after the step
     * @param output this layer's output
     */
    public void updateOnStep(String name, Tensor next, Tensor output) {
        if (training) {
            model.graph().assignOnStep(get(name), next, output);
        }
    }
}
