package dev.nabla.nn;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where layers declare their parameters and buffers, under dotted names as PyTorch's
 * {@code state_dict} keys ({@code 0.weight}, {@code fc1.bias}, {@code 1.running_mean}).
 */
public final class Declarations {
    /** What one name holds; a null dtype is the model's. */
    record Entry(String name, Shape shape, DType dtype, Initializer init, boolean trainable) {}

    private final String prefix;
    private final Map<String, Entry> entries;

    Declarations() {
        this("", new LinkedHashMap<>());
    }

    private Declarations(String prefix, Map<String, Entry> entries) {
        this.prefix = prefix;
        this.entries = entries;
    }

    /**
     * Declares a trained parameter of the model's dtype.
     *
     * @param name  its name within this layer
     * @param shape its shape
     * @param init  makes its initial value
     * @throws dev.nabla.core.NablaException if the name is already declared
     */
    public void parameter(String name, Shape shape, Initializer init) {
        add(new Entry(prefix + name, shape, null, init, true));
    }

    /**
     * Declares state that is not trained but saved with the model (batch norm's running
     * statistics), of the model's dtype.
     *
     * @param name  its name within this layer
     * @param shape its shape
     * @param init  makes its initial value
     * @throws dev.nabla.core.NablaException if the name is already declared
     */
    public void buffer(String name, Shape shape, Initializer init) {
        add(new Entry(prefix + name, shape, null, init, false));
    }

    /**
     * Declares a buffer of its own dtype whatever the model's (batch norm's i32 count of batches).
     *
     * @param name  its name within this layer
     * @param shape its shape
     * @param dtype its element type
     * @param init  makes its initial value
     * @throws dev.nabla.core.NablaException if the name is already declared
     */
    public void buffer(String name, Shape shape, DType dtype, Initializer init) {
        add(new Entry(prefix + name, shape, dtype, init, false));
    }

    /**
     * {@return the declarations of a child layer, under {@code name.}}
     *
     * @param name the child's name within this layer
     */
    public Declarations child(String name) {
        return new Declarations(prefix + name + ".", entries);
    }

    private void add(Entry e) {
        if (entries.putIfAbsent(e.name(), e) != null) {
            throw new NablaException("declare: '" + e.name() + "' is declared twice; give each parameter and child"
                    + " layer its own name");
        }
    }

    Map<String, Entry> entries() {
        return entries;
    }
}
