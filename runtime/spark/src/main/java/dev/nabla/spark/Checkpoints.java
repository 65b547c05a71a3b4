package dev.nabla.spark;

import dev.nabla.core.NablaException.FormatException;
import dev.nabla.io.SafeTensors;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A trainer's checkpoints in a folder of any Hadoop file system: {@code step-000000000120.safetensors}
 * holds the parameters (by PyTorch's names) and the optimizer's state ({@code optimizer/...}) after
 * step 120, and in its metadata the step and the batches' order (examples, batch size, seed), so
 * that a resumed trainer draws the same batches. The newest {@code keep} files are kept.
 */
final class Checkpoints {
    static final String FORMAT = "nabla-spark-trainer";
    static final int VERSION = 1;
    private static final Pattern NAME = Pattern.compile("step-(\\d{12})\\.safetensors");

    private final Configuration conf;
    private final String folder;
    private final int every;
    private final int keep;

    /** A checkpoint read back: the step it was written after, the batches' order, and the state. */
    record Saved(String path, long step, EpochOrder order, Map<String, NDArray> state) {}

    Checkpoints(Configuration conf, String folder, int every, int keep) {
        this.conf = conf;
        this.folder = folder;
        this.every = every;
        this.keep = keep;
    }

    /** Whether a checkpoint is due after {@code step} steps. */
    boolean due(long step) {
        return step % every == 0;
    }

    void save(long step, EpochOrder order, Map<String, NDArray> state) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("nabla.format", FORMAT);
        meta.put("nabla.version", Integer.toString(VERSION));
        meta.put("nabla.step", Long.toString(step));
        meta.put("nabla.examples", Long.toString(order.examples()));
        meta.put("nabla.batch", Integer.toString(order.batchSize()));
        meta.put("nabla.seed", Long.toString(order.seed()));
        HadoopFiles.write(conf, folder + "/" + String.format("step-%012d.safetensors", step), state, meta);
        List<Path> all = checkpoints();
        FileSystem fs = new Path(folder).getFileSystem(conf);
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i), false);
        }
    }

    /** The newest checkpoint in the folder, if any. */
    Optional<Saved> latest() throws IOException {
        List<Path> all = checkpoints();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        String path = all.get(all.size() - 1).toString();
        SafeTensors.TensorFile file = HadoopFiles.read(conf, path);
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get("nabla.format"))) {
            throw new FormatException("resume: " + path + " is not a Spark trainer's checkpoint (no nabla.format=" + FORMAT
                    + " in its metadata)");
        }
        long version = number(path, meta, "nabla.version");
        if (version > VERSION) {
            throw new FormatException("resume: " + path + " is a checkpoint of version " + version + "; this Nabla reads up"
                    + " to version " + VERSION);
        }
        EpochOrder order = new EpochOrder(number(path, meta, "nabla.examples"), (int) number(path, meta, "nabla.batch"),
                number(path, meta, "nabla.seed"));
        return Optional.of(new Saved(path, number(path, meta, "nabla.step"), order, file.tensors()));
    }

    /** The folder's checkpoints, oldest first. */
    private List<Path> checkpoints() throws IOException {
        Path dir = new Path(folder);
        FileSystem fs = dir.getFileSystem(conf);
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            Matcher m = NAME.matcher(s.getPath().getName());
            if (s.isFile() && m.matches()) {
                out.add(s.getPath());
            }
        }
        out.sort(Comparator.comparing(Path::getName));
        return out;
    }

    private static long number(String path, Map<String, String> meta, String key) {
        try {
            return Long.parseLong(meta.getOrDefault(key, ""));
        } catch (NumberFormatException e) {
            throw new FormatException("resume: " + path + " has " + key + "=" + meta.get(key) + ", not a whole number");
        }
    }
}
