package dev.nabla.optim;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.io.SafeTensors;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A trainer's whole state in a safetensors file: every parameter its step reads or writes, under
 * the parameter's name in the graph, except that the trainer's own prefix ({@code optim7/}, which
 * depends on how many trainers a JVM built before) becomes {@code optimizer/}; and, in the
 * header's metadata, the format, its version and the schedule's epoch beside the caller's.
 */
final class TrainerCheckpoints {
    static final String FORMAT = "nabla-trainer";
    static final int VERSION = 1;
    private static final String KEY_FORMAT = "nabla.format";
    private static final String KEY_VERSION = "nabla.version";
    private static final String KEY_EPOCH = "nabla.epoch";

    private TrainerCheckpoints() {}

    record Loaded(int epoch, Map<String, String> metadata) {}

    /** The parameters the step reads or writes, by their checkpoint names, in graph order. */
    static Map<String, Tensor> stateOf(Graph graph, Tensor loss, Map<Tensor, Tensor> assignments, String prefix) {
        List<Node> roots = new ArrayList<>();
        roots.add(loss.node());
        return stateOf(graph, roots, assignments, prefix);
    }

    /** The parameters {@code roots} and the assignments read or write, by their checkpoint names. */
    static Map<String, Tensor> stateOf(Graph graph, List<Node> roots, Map<Tensor, Tensor> assignments, String prefix) {
        List<Node> all = new ArrayList<>(roots);
        assignments.forEach((target, value) -> {
            all.add(target.node());
            all.add(value.node());
        });
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Node p : Program.of(all).parameters()) {
            String name = ((Op.Parameter) p.op()).name();
            if (name.startsWith(prefix + "/")) {
                name = "optimizer/" + name.substring(prefix.length() + 1);
            }
            state.put(name, new Tensor(graph, p));
        }
        return state;
    }

    static void save(Path path, CompiledGraph compiled, Map<String, Tensor> state, int epoch,
                     Map<String, String> metadata) throws IOException {
        Map<String, String> header = new LinkedHashMap<>();
        header.put(KEY_FORMAT, FORMAT);
        header.put(KEY_VERSION, Integer.toString(VERSION));
        header.put(KEY_EPOCH, Integer.toString(epoch));
        metadata.forEach((k, v) -> {
            if (k.startsWith("nabla.")) {
                throw new FormatException("save: metadata keys starting with 'nabla.' are the checkpoint's own; rename '"
                        + k + "'");
            }
            header.put(k, v);
        });
        Map<String, NDArray> values = new LinkedHashMap<>();
        state.forEach((name, t) -> values.put(name, compiled.parameter(t)));
        SafeTensors.write(path, values, header);
    }

    static Loaded load(Path path, CompiledGraph compiled, Map<String, Tensor> state) throws IOException {
        SafeTensors.TensorFile file = SafeTensors.read(path);
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get(KEY_FORMAT))) {
            throw new FormatException("load: " + path + " is not a trainer checkpoint (no " + KEY_FORMAT + "=" + FORMAT
                    + " in its metadata); a model's state dict loads with Model.load");
        }
        int version = integer(path, meta, KEY_VERSION);
        if (version > VERSION) {
            throw new FormatException("load: " + path + " is a trainer checkpoint of version " + version
                    + "; this Nabla reads up to version " + VERSION + ": upgrade Nabla to load it");
        }
        int epoch = integer(path, meta, KEY_EPOCH);
        List<String> problems = new ArrayList<>();
        state.forEach((name, t) -> {
            NDArray v = file.tensors().get(name);
            if (v == null) {
                problems.add("missing '" + name + "'");
            } else if (v.dtype() != t.dtype() || !v.shape().equals(t.shape())) {
                problems.add("'" + name + "' is " + v.dtype() + v.shape() + " in the file, " + t.dtype() + t.shape()
                        + " here");
            }
        });
        file.tensors().keySet().stream().filter(k -> !state.containsKey(k))
                .forEach(k -> problems.add("unexpected '" + k + "'"));
        if (!problems.isEmpty()) {
            throw new FormatException("load: " + path + " does not fit this trainer (built another way?): "
                    + String.join("; ", problems));
        }
        state.forEach((name, t) -> compiled.setParameter(t, file.tensors().get(name)));
        Map<String, String> user = new TreeMap<>();
        meta.forEach((k, v) -> {
            if (!k.startsWith("nabla.")) {
                user.put(k, v);
            }
        });
        return new Loaded(epoch, user);
    }

    private static int integer(Path path, Map<String, String> meta, String key) {
        try {
            return Integer.parseInt(meta.getOrDefault(key, ""));
        } catch (NumberFormatException e) {
            throw new FormatException("load: " + path + " has " + key + "=" + meta.get(key) + ", not an integer");
        }
    }
}
