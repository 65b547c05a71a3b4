package dev.nabla.io;

import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tensors by name in the safetensors format (Hugging Face's, which PyTorch reads with
 * {@code safetensors.torch.load_file}): an 8-byte little-endian header length, a JSON header
 * giving each tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * <pre>{@code
 * SafeTensors.write(path, Map.of("fc.weight", w), Map.of("epoch", "3"));
 * TensorFile file = SafeTensors.read(path);
 * NDArray w2 = file.tensors().get("fc.weight");
 * }</pre>
 *
 * <p>Written: f32 (F32), f64 (F64), i32 (I32), bool (BOOL). Read: those, and F16 and BF16 as f32,
 * I64, I16, I8 and U8 as i32 (an I64 value outside the i32 range is an error). The reader
 * trusts nothing in the file: sizes, offsets and the header are checked before anything is
 * allocated, and every problem is a {@link FormatException} naming the file and the tensor.
 */
public final class SafeTensors {
    /** The format's own limit on the header, which also bounds what a hostile file can make us read. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";
    /** More axes than any real tensor has: a bound for hostile headers. */
    private static final int MAX_RANK = 64;
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(8).maxNumberLength(32).maxStringLength(1 << 20).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private SafeTensors() {}

    /**
     * What a safetensors file holds: tensors in file order, and the header's string metadata.
     *
     * @param tensors  the tensors by name, in the header's order
     * @param metadata the header's {@code __metadata__} entries; empty if it has none
     */
    public record TensorFile(Map<String, NDArray> tensors, Map<String, String> metadata) {}

    /**
     * Writes {@code tensors} (in the map's order) and {@code metadata} to {@code path}, through a
     * temporary file renamed into place, so a crash never leaves a half-written checkpoint.
     *
     * @param path     the file to write
     * @param tensors  the tensors by name; values on a device are copied to the host first
     * @param metadata string entries for the header's {@code __metadata__}
     * @throws IOException if the file cannot be written or moved into place
     * @throws dev.nabla.core.NablaException.FormatException if a tensor is named {@code __metadata__}
     */
    public static void write(Path path, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        Encoded encoded = encode(tensors, metadata);
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            encoded.writeTo(out);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Writes {@code tensors} (in the map's order) to {@code path} without metadata, as
     * {@link #write(Path, Map, Map)} does.
     *
     * @param path    the file to write
     * @param tensors the tensors by name
     * @throws IOException if the file cannot be written or moved into place
     */
    public static void write(Path path, Map<String, NDArray> tensors) throws IOException {
        write(path, tensors, Map.of());
    }

    /**
     * Writes the same bytes as {@link #write(Path, Map, Map)} to a stream (a Hadoop file system's,
     * say), leaving it open. Making the file appear whole (a rename, as above) is the caller's part.
     *
     * @param out      the stream to write to
     * @param tensors  the tensors by name, in the order to write them
     * @param metadata string entries for the header's {@code __metadata__}
     * @throws IOException if the stream fails
     * @throws dev.nabla.core.NablaException.FormatException if a tensor is named {@code __metadata__}
     */
    public static void write(OutputStream out, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        encode(tensors, metadata).writeTo(Channels.newChannel(out));
    }

    /** The header, padded, and each tensor's bytes, in file order: checked before anything is written. */
    private record Encoded(ByteBuffer head, List<NDArray> order) {
        void writeTo(WritableByteChannel out) throws IOException {
            writeFully(out, head);
            for (NDArray v : order) {
                writeFully(out, TensorBytes.encode(v));
            }
        }
    }

    private static Encoded encode(Map<String, NDArray> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        List<NDArray> order = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new FormatException("SafeTensors.write: '" + METADATA + "' is reserved for metadata; rename that tensor");
            }
            NDArray v = e.getValue().cpu();
            long bytes = (long) v.size() * v.dtype().byteSize();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", fileDtype(v.dtype()));
            var shape = entry.putArray("shape");
            for (int d : v.shape().dims()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            order.add(v);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        return new Encoded(head.flip(), order);
    }

    /**
     * Reads every tensor of a safetensors file, checking the header against the file.
     *
     * @param path the file to read
     * @return its tensors and metadata
     * @throws IOException if the file cannot be read or ends early
     * @throws dev.nabla.core.NablaException.FormatException if the file is not valid safetensors
     *         or holds a dtype Nabla cannot read
     */
    public static TensorFile read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, Files.size(path), path.toString());
        }
    }

    /**
     * Reads a safetensors file from a stream of {@code length} bytes (a Hadoop file system's, with
     * the length its file status gives), with every check of {@link #read(Path)}. The stream is read
     * to the end of the data and left open.
     *
     * @param stream the file's bytes, from the start
     * @param length the file's length in bytes
     * @param source names the file in errors
     * @return its tensors and metadata
     * @throws IOException if the stream fails or ends early
     * @throws dev.nabla.core.NablaException.FormatException if the file is not valid safetensors
     *         or holds a dtype Nabla cannot read
     */
    public static TensorFile read(InputStream stream, long length, String source) throws IOException {
        ReadableByteChannel in = Channels.newChannel(stream);
        if (length < 8) {
            throw bad(source, "is " + length + " bytes long, shorter than the 8-byte header length");
        }
        ByteBuffer lengthBytes = readFully(in, source, 0, 8);
        long headerLength = lengthBytes.order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > length - 8) {
            throw bad(source, "declares a header of " + headerLength + " bytes, but the file has " + (length - 8)
                    + " after the length (and headers are at most " + MAX_HEADER_BYTES + " bytes)");
        }
        ByteBuffer headerBytes = readFully(in, source, 8, (int) headerLength);
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw bad(source, "has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw bad(source, "has a header that is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        List<Entry> entries = entries(source, header, length - dataStart);
        // The entries tile the data (checked), so reading them by offset reads the stream straight through.
        Map<String, NDArray> byName = new HashMap<>();
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        for (Entry e : byOffset) {
            ByteBuffer raw = readFully(in, source, dataStart + e.begin(), (int) (e.end() - e.begin()));
            byName.put(e.name(), TensorBytes.decode(e.dtype(), e.shape(), raw.order(ByteOrder.LITTLE_ENDIAN),
                    () -> bad(source, "tensor '" + e.name() + "' holds an I64 value outside the i32 range")));
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        entries.forEach(e -> tensors.put(e.name(), byName.get(e.name())));
        return new TensorFile(tensors, metadata(source, header));
    }

    /** One tensor's header entry, checked. */
    private record Entry(String name, String dtype, Shape shape, long begin, long end) {}

    private static List<Entry> entries(String path, JsonNode header, long dataBytes) {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals(METADATA)) {
                continue;
            }
            entries.add(entry(path, e.getKey(), e.getValue(), dataBytes));
        }
        // The format asks for the tensors to tile the data exactly: no gaps, no overlaps.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin() != expected) {
                throw bad(path, "tensor '" + e.name() + "' starts at byte " + e.begin() + " of the data, expected "
                        + expected + " (tensors must cover the data without gaps or overlaps)");
            }
            expected = e.end();
        }
        if (expected != dataBytes) {
            throw bad(path, "has " + dataBytes + " bytes of data but its tensors cover " + expected);
        }
        return entries;
    }

    private static Entry entry(String path, String name, JsonNode node, long dataBytes) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw bad(path, where + " is not described by a JSON object");
        }
        String dtype = node.path("dtype").isString() ? node.path("dtype").stringValue() : null;
        int itemBytes = itemBytes(dtype);
        if (itemBytes < 0) {
            throw bad(path, where + " has dtype " + node.get("dtype") + "; readable: F64, F32, F16, BF16, I64, I32, I16, I8,"
                    + " U8, BOOL");
        }
        JsonNode dims = node.path("shape");
        if (!dims.isArray() || dims.size() > MAX_RANK) {
            throw bad(path, where + " needs a shape: an array of at most " + MAX_RANK + " sizes");
        }
        int[] shape = new int[dims.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = dims.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
                throw bad(path, where + " has size " + d + " in its shape; sizes are integers from 0 to " + Integer.MAX_VALUE);
            }
            shape[i] = (int) d.longValue();
            elements *= shape[i];
            if (elements > Integer.MAX_VALUE) {
                throw bad(path, where + " has " + dims + " elements, more than an array can hold");
            }
        }
        JsonNode offsets = node.path("data_offsets");
        if (!offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong() || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber()) {
            throw bad(path, where + " needs data_offsets: [begin, end] in bytes");
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw bad(path, where + " has data_offsets [" + begin + ", " + end + "] outside the " + dataBytes
                    + " bytes of data");
        }
        if (end - begin > Integer.MAX_VALUE - 16) {
            throw bad(path, where + " has " + (end - begin) + " bytes, more than one array can hold");
        }
        if (end - begin != elements * itemBytes) {
            throw bad(path, where + " of " + dtype + dims + " needs " + elements * itemBytes + " bytes, its offsets give "
                    + (end - begin));
        }
        return new Entry(name, dtype, new Shape(shape), begin, end);
    }

    private static Map<String, String> metadata(String path, JsonNode header) {
        JsonNode meta = header.get(METADATA);
        if (meta == null) {
            return Map.of();
        }
        if (!meta.isObject()) {
            throw bad(path, "has " + METADATA + " that is not a JSON object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : meta.properties()) {
            if (!e.getValue().isString()) {
                throw bad(path, "has metadata '" + e.getKey() + "' that is not a string");
            }
            out.put(e.getKey(), e.getValue().stringValue());
        }
        return out;
    }

    private static String fileDtype(DType dtype) {
        return switch (dtype) {
            case F32 -> "F32";
            case F64 -> "F64";
            case I32 -> "I32";
            case BOOL -> "BOOL";
        };
    }

    /** Bytes per element of a dtype the reader accepts, or -1. */
    static int itemBytes(String dtype) {
        if (dtype == null) {
            return -1;
        }
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    private static FormatException bad(String path, String what) {
        return new FormatException("SafeTensors.read: " + path + " " + what);
    }

    /** {@code length} bytes from a sequential channel, which stands at byte {@code position} of the file. */
    private static ByteBuffer readFully(ReadableByteChannel in, String source, long position, int length)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new IOException(source + ": unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
