package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: exact round trips, the byte layout, and files that lie. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtypeBitForBit() throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("w", NDArray.of(new float[] {1.5f, -0f, Float.NaN, Float.MIN_VALUE, Float.intBitsToFloat(0x7fc00123),
                Float.NEGATIVE_INFINITY}, 2, 3));
        tensors.put("d", NDArray.of(new double[] {Math.PI, -1e-310}, 2));
        tensors.put("labels", NDArray.fromDoubles(DType.I32, Shape.of(3), new double[] {Integer.MIN_VALUE, 0, 7}));
        tensors.put("mask", NDArray.fromDoubles(DType.BOOL, Shape.of(2, 1), new double[] {1, 0}));
        tensors.put("scalar", NDArray.scalar(2.5f));
        tensors.put("empty", NDArray.of(new float[0], 0, 4));
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, tensors, Map.of("epoch", "3"));

        SafeTensors.TensorFile back = SafeTensors.read(file);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()));
        assertEquals(Map.of("epoch", "3"), back.metadata());
        tensors.forEach((name, v) -> {
            NDArray r = back.tensors().get(name);
            assertEquals(v.dtype(), r.dtype(), name);
            assertEquals(v.shape(), r.shape(), name);
        });
        float[] w = (float[]) back.tensors().get("w").storage();
        float[] expected = (float[]) tensors.get("w").storage();
        for (int i = 0; i < w.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(w[i]), "w[" + i + "]");
        }
        assertArrayEquals(tensors.get("d").toDoubleArray(), back.tensors().get("d").toDoubleArray());
        assertArrayEquals(new double[] {Integer.MIN_VALUE, 0, 7}, back.tensors().get("labels").toDoubleArray());
        assertArrayEquals(new double[] {1, 0}, back.tensors().get("mask").toDoubleArray());
    }

    @Test
    void layoutIsTheFormatsOwn() throws IOException {
        Path file = dir.resolve("one.safetensors");
        SafeTensors.write(file, Map.of("a", NDArray.of(new float[] {1, 2}, 2)));
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = bytes.getLong();
        assertEquals(0, headerLength % 8, "the data starts 8-byte aligned");
        String header = new String(bytes.array(), 8, (int) headerLength, StandardCharsets.UTF_8).strip();
        assertEquals("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        bytes.position(8 + (int) headerLength);
        assertEquals(1f, bytes.getFloat());
        assertEquals(2f, bytes.getFloat());
        assertEquals(bytes.capacity(), bytes.position());
    }

    @Test
    void readsTheNarrowTypesPyTorchWrites() throws IOException {
        Path file = dir.resolve("narrow.safetensors");
        ByteBuffer data = ByteBuffer.allocate(2 + 2 + 16 + 2 + 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(Float.floatToFloat16(1.5f));
        data.putShort((short) (Float.floatToRawIntBits(-3.25f) >>> 16));
        data.putLong(42).putLong(-5);
        data.put((byte) 200).put((byte) -3);
        data.putShort((short) -300);
        write(file, """
                {"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},
                 "b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},
                 "steps":{"dtype":"I64","shape":[2],"data_offsets":[4,20]},
                 "u":{"dtype":"U8","shape":[1],"data_offsets":[20,21]},
                 "i":{"dtype":"I8","shape":[1],"data_offsets":[21,22]},
                 "s":{"dtype":"I16","shape":[],"data_offsets":[22,24]}}""", data.array());
        var t = SafeTensors.read(file).tensors();
        assertEquals(DType.F32, t.get("h").dtype());
        assertEquals(1.5, t.get("h").item());
        assertEquals(-3.25, t.get("b").item());
        assertEquals(DType.I32, t.get("steps").dtype());
        assertArrayEquals(new double[] {42, -5}, t.get("steps").toDoubleArray());
        assertEquals(200, t.get("u").item());
        assertEquals(-3, t.get("i").item());
        assertEquals(-300, t.get("s").item());
    }

    @Test
    void refusesFilesThatLie() throws IOException {
        byte[] eight = new byte[8];
        assertBad("shorter than the 8-byte header length", new byte[3]);
        assertBad("declares a header of", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertBad("not valid JSON", withHeader("{\"a\":", new byte[0]));
        assertBad("not a JSON object", withHeader("[1,2]", new byte[0]));
        assertBad("has dtype", withHeader("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", eight));
        assertBad("sizes are integers", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight));
        assertBad("more than an array can hold", withHeader(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", eight));
        assertBad("needs 4 bytes", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", eight));
        assertBad("outside the 8 bytes", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight));
        assertBad("without gaps or overlaps", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight));
        assertBad("tensors cover 4", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight));
        assertBad("not valid JSON", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight));
        assertBad("not valid JSON", withHeader("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", new byte[0]));
        assertBad("outside the i32 range", withHeader("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array()));
        assertBad("metadata 'x' that is not a string", withHeader("{\"__metadata__\":{\"x\":1}}", new byte[0]));
    }

    @Test
    void streamsHoldTheFileBytes() throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("b", NDArray.of(new double[] {1.25, -2}, 2));
        tensors.put("a", NDArray.of(new float[] {3, 4, 5}, 3, 1));
        Path file = dir.resolve("file.safetensors");
        SafeTensors.write(file, tensors, Map.of("step", "7"));
        var out = new ByteArrayOutputStream();
        SafeTensors.write(out, tensors, Map.of("step", "7"));
        assertArrayEquals(Files.readAllBytes(file), out.toByteArray());

        byte[] bytes = out.toByteArray();
        SafeTensors.TensorFile back = SafeTensors.read(new ByteArrayInputStream(bytes), bytes.length, "mem");
        assertEquals(List.of("b", "a"), List.copyOf(back.tensors().keySet()), "the header's order");
        assertArrayEquals(new double[] {1.25, -2}, back.tensors().get("b").toDoubleArray());
        assertArrayEquals(new float[] {3, 4, 5}, back.tensors().get("a").toFloatArray());
        assertEquals(Shape.of(3, 1), back.tensors().get("a").shape());
        assertEquals(Map.of("step", "7"), back.metadata());

        // A stream that ends before the length it was said to have.
        IOException cut = assertThrows(IOException.class, () -> SafeTensors.read(
                new ByteArrayInputStream(bytes, 0, bytes.length - 3), bytes.length, "hdfs://nn/cut"));
        assertTrue(cut.getMessage().startsWith("hdfs://nn/cut: unexpected end of file at byte"), cut.getMessage());
    }

    @Test
    void survivesRandomCorruption() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, Map.of("a", NDArray.of(new float[] {1, 2, 3}, 3), "b",
                NDArray.fromDoubles(DType.I32, Shape.of(2), new double[] {4, 5})), Map.of("k", "v"));
        byte[] original = Files.readAllBytes(good);
        Random random = new Random(11);
        Path file = dir.resolve("mutant.safetensors");
        for (int trial = 0; trial < 2000; trial++) {
            byte[] bytes = original.clone();
            if (random.nextInt(4) == 0) {
                bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            } else {
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            Files.write(file, bytes);
            try {
                SafeTensors.read(file);
            } catch (FormatException | IOException expected) {
                // A clear refusal is the other acceptable outcome.
            }
        }
    }

    private void assertBad(String message, byte[] bytes) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, bytes);
        FormatException e = assertThrows(FormatException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith("SafeTensors.read: " + file), e.getMessage());
        // A stream (a Hadoop file system's) gets the same checks, naming the source it is given.
        FormatException streamed = assertThrows(FormatException.class,
                () -> SafeTensors.read(new ByteArrayInputStream(bytes), bytes.length, "hdfs://nn/bad"));
        assertEquals(e.getMessage().replace(file.toString(), "hdfs://nn/bad"), streamed.getMessage());
    }

    private static byte[] withHeader(String json, byte[] data) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    private static void write(Path file, String json, byte[] data) throws IOException {
        Files.write(file, withHeader(json, data));
    }
}
