package dev.nabla.data;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.StringJoiner;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST-style files (plain or gzipped) into an {@link NDArray} of the
 * file's shape: two zero bytes, a type byte (0x08 unsigned byte, 0x09 byte, 0x0B short, 0x0C int,
 * 0x0D float, 0x0E double), a rank byte, the dimensions as big-endian ints, then the values,
 * big-endian, row-major.
 *
 * <pre>{@code
 * NDArray images = Idx.read(Path.of("train-images-idx3-ubyte.gz"), DType.F32, 1 / 255.0);  // [60000, 28, 28]
 * NDArray labels = Idx.read(Path.of("train-labels-idx1-ubyte.gz"), DType.I32);             // [60000]
 * }</pre>
 *
 * A file is checked before anything is allocated for it: its magic, and dimensions whose product
 * an array can hold; a plain file's length must be what its header declares, and a gzipped one
 * is read in growing chunks, so a header that claims more than the file holds ends in a
 * {@link FormatException} naming the file, not in running out of memory. I/O failures (a
 * missing file) are {@link IOException}s.
 */
public final class Idx {
    private static final int CHUNK = 1 << 16;

    private Idx() {}

    /** The IDX element types. */
    private enum Type {
        UBYTE(0x08, 1, true), BYTE(0x09, 1, true), SHORT(0x0B, 2, true), INT(0x0C, 4, true),
        FLOAT(0x0D, 4, false), DOUBLE(0x0E, 8, false);

        final int code;
        final int bytes;
        final boolean integral;

        Type(int code, int bytes, boolean integral) {
            this.code = code;
            this.bytes = bytes;
            this.integral = integral;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }

        String describe() {
            return name().toLowerCase() + " (0x" + Integer.toHexString(code) + ")";
        }
    }

    /**
     * Reads a file, gzipped or not.
     *
     * @param file  the file
     * @param dtype f32 or f64, or i32 for a file of integers (labels)
     * @return the file's values as {@code dtype}, in the file's shape
     * @throws IOException if the file cannot be read
     * @throws dev.nabla.core.NablaException.FormatException if it is not a valid IDX file
     * @throws dev.nabla.core.NablaException.DTypeException if {@code dtype} is not f32, f64 or i32,
     *         or is i32 for a file of floating values
     */
    public static NDArray read(Path file, DType dtype) throws IOException {
        return read(file, dtype, 1);
    }

    /**
     * Reads a file, gzipped or not, scaling its values.
     *
     * @param file  the file
     * @param dtype f32 or f64 (or i32 with a scale of 1)
     * @param scale multiplies every value: 1 / 255.0 for pixels
     * @return the file's values times {@code scale}, in the file's shape
     * @throws IOException if the file cannot be read
     * @throws dev.nabla.core.NablaException.FormatException if it is not a valid IDX file
     * @throws dev.nabla.core.NablaException.DTypeException if {@code dtype} is not f32, f64 or i32,
     *         or is i32 for a file of floating values
     */
    public static NDArray read(Path file, DType dtype, double scale) throws IOException {
        if (file == null) {
            throw new NablaException("Idx.read: the file is null");
        }
        try (InputStream raw = Files.newInputStream(file)) {
            var in = new BufferedInputStream(raw, CHUNK);
            // A plain file's length is known: a header that declares more is refused before reading.
            long length = Sources.isGzip(in) ? -1 : Files.size(file);
            return decode(in, file.toString(), dtype, scale, length);
        }
    }

    /**
     * Reads a stream (plain or gzipped) to its end. The caller closes it.
     *
     * @param in    the stream
     * @param name  names the source in messages
     * @param dtype f32 or f64 (or i32 with a scale of 1)
     * @param scale multiplies every value
     * @return the values times {@code scale}, in the file's shape
     * @throws IOException if the stream fails
     * @throws dev.nabla.core.NablaException.FormatException if it is not a valid IDX file
     * @throws dev.nabla.core.NablaException.DTypeException if {@code dtype} is not f32, f64 or i32,
     *         or is i32 for a file of floating values
     */
    public static NDArray read(InputStream in, String name, DType dtype, double scale) throws IOException {
        if (in == null) {
            throw new NablaException("Idx.read: the stream for " + name + " is null");
        }
        return decode(in, name, dtype, scale, -1);
    }

    private static NDArray decode(InputStream in, String name, DType dtype, double scale, long length)
            throws IOException {
        try {
            return read(Sources.decompressed(in), name, dtype, scale, length);
        } catch (EOFException | ZipException e) { // only gzip throws these here: readNBytes stops at the end
            throw Sources.corruptGzip("Idx.read", name, e);
        }
    }

    private static NDArray read(InputStream in, String name, DType dtype, double scale, long length)
            throws IOException {
        if (dtype != DType.F32 && dtype != DType.F64 && dtype != DType.I32) {
            throw new DTypeException("Idx.read: reads into f32, f64 or i32, not " + dtype);
        }
        if (dtype == DType.I32 && scale != 1) {
            throw new NablaException("Idx.read: a scale (" + scale + ") needs f32 or f64, not i32");
        }
        if (!Double.isFinite(scale)) {
            throw new NablaException("Idx.read: the scale must be finite, got " + scale);
        }
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new FormatException("Idx.read: " + name + " has " + head.length + " bytes, too few for an IDX header");
        }
        if (head[0] != 0 || head[1] != 0) {
            throw new FormatException("Idx.read: " + name + " is not an IDX file: it starts with " + hex(head)
                    + ", an IDX file with two zero bytes");
        }
        Type type = Type.of(head[2] & 0xFF);
        if (type == null) {
            throw new FormatException("Idx.read: " + name + " has the unknown type byte 0x" + Integer.toHexString(head[2] & 0xFF)
                    + " (byte 2); IDX types are " + Arrays.stream(Type.values()).map(Type::describe).toList());
        }
        if (dtype == DType.I32 && !type.integral) {
            throw new DTypeException("Idx.read: " + name + " holds " + type.describe() + " values; read it as f32 or f64, not i32");
        }
        int rank = head[3] & 0xFF;
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new FormatException("Idx.read: " + name + " is truncated: its header declares " + rank
                    + " dimensions (" + 4 * rank + " bytes) but the file ends after " + (4 + dimBytes.length) + " bytes");
        }
        int[] dims = dims(name, ByteBuffer.wrap(dimBytes), rank);
        long count = count(name, dims, type);
        long header = 4 + 4L * rank;
        long declared = header + count * type.bytes;
        if (length >= 0 && length != declared) {
            throw new FormatException("Idx.read: " + name + " has " + length + " bytes but its header declares "
                    + declared + " (" + header + " of header, then " + shape(dims) + " " + type.describe() + " values)"
                    + (length < declared ? ": the file is truncated" : ": there is data after the values"));
        }
        var values = new GrowingArray(dtype, count);
        byte[] buf = new byte[CHUNK - CHUNK % 8];
        long left = count;
        while (left > 0) {
            int want = (int) Math.min(left, buf.length / type.bytes);
            int got = in.readNBytes(buf, 0, want * type.bytes);
            if (got < want * type.bytes) {
                long read = (count - left) * type.bytes + got;
                throw new FormatException("Idx.read: " + name + " is truncated: its header declares " + shape(dims) + " "
                        + type.describe() + " values (" + count * type.bytes + " bytes) but only " + read
                        + " bytes of values follow the " + header + "-byte header");
            }
            convert(ByteBuffer.wrap(buf, 0, got), type, want, scale, values);
            left -= want;
        }
        if (in.read() != -1) {
            throw new FormatException("Idx.read: " + name + " has data after the " + shape(dims) + " "
                    + type.describe() + " values its header declares (at byte " + declared + ")");
        }
        return values.toArray(new Shape(dims));
    }

    private static int[] dims(String name, ByteBuffer in, int rank) {
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = in.getInt();
            if (dims[d] < 0) {
                throw new FormatException("Idx.read: " + name + " declares dimension " + d + " as "
                        + Integer.toUnsignedString(dims[d]) + " (bytes " + (4 + 4 * d) + " to " + (7 + 4 * d)
                        + "), more than an array axis holds (2^31-1)");
            }
        }
        return dims;
    }

    /** The number of values, refused when more than one array holds, before anything is allocated. */
    private static long count(String name, int[] dims, Type type) {
        if (Arrays.stream(dims).anyMatch(d -> d == 0)) {
            return 0;
        }
        long count = 1;
        for (int d : dims) {
            count *= d; // below 2^31 * 2^31: no overflow before the check
            if (count > Integer.MAX_VALUE - 8) {
                throw new FormatException("Idx.read: " + name + " declares " + shape(dims) + " " + type.describe()
                        + " values, more than one array holds (2^31-9)");
            }
        }
        return count;
    }

    private static void convert(ByteBuffer in, Type type, int n, double scale, GrowingArray out) {
        for (int i = 0; i < n; i++) {
            double v = switch (type) {
                case UBYTE -> in.get() & 0xFF;
                case BYTE -> in.get();
                case SHORT -> in.getShort();
                case INT -> in.getInt();
                case FLOAT -> in.getFloat();
                case DOUBLE -> in.getDouble();
            };
            out.add(scale == 1 ? v : v * scale);
        }
    }

    private static String shape(int[] dims) {
        var j = new StringJoiner("x");
        for (int d : dims) {
            j.add(String.valueOf(d));
        }
        return dims.length == 0 ? "1 (a scalar)" : j.toString();
    }

    private static String hex(byte[] bytes) {
        var j = new StringJoiner(" ");
        for (byte b : bytes) {
            j.add(String.format("%02x", b & 0xFF));
        }
        return j.toString();
    }
}
