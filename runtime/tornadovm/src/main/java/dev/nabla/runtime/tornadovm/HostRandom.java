package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.random.Draws;
import dev.nabla.core.NDArray;
import java.util.List;

/**
 * A random draw run on the host with the shared {@link Draws}: the same bits as the reference
 * interpreter and the JVM backend. Its input is the key; the values go to the device with the
 * next stage that reads them.
 */
final class HostRandom implements HostStep {
    private final Node node;
    private final Draws draws;

    HostRandom(Node node) {
        this.node = node;
        int keys = node.input(0).shape().size() / 2;
        this.draws = new Draws(((Op.Random) node.op()).dist(), node.dtype(),
                keys == 0 ? 0 : node.shape().size() / keys);
    }

    @Override
    public List<NDArray> run(List<NDArray> inputs) {
        double[] values = draws.all(inputs.get(0).toDoubleArray(), node.shape().size());
        return List.of(NDArray.fromDoubles(node.dtype(), node.shape(), values));
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return node.opName();
    }
}
