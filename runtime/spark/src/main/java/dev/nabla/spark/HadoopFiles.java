package dev.nabla.spark;

import dev.nabla.io.SafeTensors;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Safetensors files on any file system Hadoop reaches (hdfs:, s3a:, file:, ...), written to a
 * hidden temporary name and renamed into place, so that a reader never sees half a file.
 */
final class HadoopFiles {
    private HadoopFiles() {}

    static void write(Configuration conf, String path, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Path target = new Path(path);
        FileSystem fs = target.getFileSystem(conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            SafeTensors.write(out, tensors, metadata);
        }
        // HDFS's rename does not replace a file: an older one goes first.
        if (fs.exists(target) && !fs.delete(target, false)) {
            throw new IOException("could not replace " + target);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }

    static SafeTensors.TensorFile read(Configuration conf, String path) throws IOException {
        Path source = new Path(path);
        FileSystem fs = source.getFileSystem(conf);
        long length = fs.getFileStatus(source).getLen();
        try (FSDataInputStream in = fs.open(source)) {
            return SafeTensors.read(in, length, source.toString());
        }
    }
}
