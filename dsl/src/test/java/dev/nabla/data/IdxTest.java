package dev.nabla.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IDX files of every element type, plain and gzipped, into arrays of their shape; and hostile
 * files (bad magic, truncation, sizes that overflow or exceed the file) refused with a message,
 * before anything of their declared size is allocated.
 */
class IdxTest {
    @TempDir
    Path dir;

    /** The header: two zero bytes, the type, the rank, then the dimensions big-endian. */
    private static byte[] header(int type, int... dims) {
        var b = ByteBuffer.allocate(4 + 4 * dims.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return TestFiles.write(dir, name, bytes);
    }

    @Test
    void unsignedBytesBecomeScaledFloatsInTheFilesShape() throws IOException {
        byte[] pixels = {0, 1, (byte) 255, (byte) 128, 51, 102};
        byte[] file = concat(header(0x08, 2, 1, 3), pixels);
        for (String name : new String[] {"images-idx3-ubyte", "images-idx3-ubyte.gz"}) {
            NDArray a = Idx.read(write(name, file), DType.F32, 1 / 255.0);
            assertThat(a.dtype()).isEqualTo(DType.F32);
            assertThat(a.shape()).isEqualTo(Shape.of(2, 1, 3));
            assertThat(a.toFloatArray()).containsExactly(0f, (float) (1 / 255.0), 1f, (float) (128 / 255.0), 0.2f, 0.4f);
        }
        NDArray raw = Idx.read(write("raw", file), DType.F64);
        assertThat(raw.toDoubleArray()).containsExactly(0, 1, 255, 128, 51, 102);
    }

    @Test
    void labelsBecomeI32AndEveryElementTypeReadsBigEndian() throws IOException {
        byte[] labels = concat(header(0x08, 4), new byte[] {7, 0, 9, 3});
        NDArray l = Idx.read(write("labels-idx1-ubyte.gz", labels), DType.I32);
        assertThat(l.dtype()).isEqualTo(DType.I32);
        assertThat(l.shape()).isEqualTo(Shape.of(4));
        assertThat(l.toDoubleArray()).containsExactly(7, 0, 9, 3);

        assertThat(Idx.read(write("byte", concat(header(0x09, 2), new byte[] {-5, 127})), DType.I32).toDoubleArray())
                .containsExactly(-5, 127);
        var shorts = ByteBuffer.allocate(4).putShort((short) -300).putShort((short) 32767).array();
        assertThat(Idx.read(write("short", concat(header(0x0B, 2), shorts)), DType.I32).toDoubleArray())
                .containsExactly(-300, 32767);
        var ints = ByteBuffer.allocate(8).putInt(-70000).putInt(Integer.MAX_VALUE).array();
        assertThat(Idx.read(write("int", concat(header(0x0C, 2), ints)), DType.I32).toDoubleArray())
                .containsExactly(-70000, Integer.MAX_VALUE);
        var floats = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-0.1f).array();
        assertThat(Idx.read(write("float", concat(header(0x0D, 1, 2), floats)), DType.F32).toFloatArray())
                .containsExactly(1.5f, -0.1f);
        var doubles = ByteBuffer.allocate(16).putDouble(Math.PI).putDouble(-1e300).array();
        NDArray d = Idx.read(write("double", concat(header(0x0E, 2), doubles)), DType.F64, 2);
        assertThat(d.toDoubleArray()).containsExactly(2 * Math.PI, -2e300);
        // A stream reads the same, and a file of no values is an empty array.
        NDArray s = Idx.read(new ByteArrayInputStream(labels), "labels", DType.I32, 1);
        assertThat(s).isEqualTo(l);
        assertThat(Idx.read(write("empty", header(0x08, 0, 28)), DType.F32).shape()).isEqualTo(Shape.of(0, 28));
    }

    @Test
    void aLargerFileReadsAcrossChunks() throws IOException {
        int n = 200_003;
        byte[] values = new byte[n];
        for (int i = 0; i < n; i++) {
            values[i] = (byte) (i * 31);
        }
        NDArray a = Idx.read(write("big.gz", concat(header(0x08, n), values)), DType.I32);
        assertThat(a.size()).isEqualTo(n);
        assertThat(a.getDouble(n - 1)).isEqualTo((double) (((n - 1) * 31) & 0xFF));
        assertThat(a.getDouble(70_000)).isEqualTo((double) ((70_000 * 31) & 0xFF));
    }

    @Test
    void badMagicAndUnknownTypesAreRefused() throws IOException {
        Path csv = write("digits.csv", "0,1,2\n".getBytes());
        assertThatThrownBy(() -> Idx.read(csv, DType.F32)).isInstanceOf(FormatException.class)
                .hasMessage("Idx.read: " + csv + " is not an IDX file: it starts with 30 2c 31 2c, an IDX file with"
                        + " two zero bytes");
        Path type = write("type", concat(header(0x0A, 1), new byte[] {1}));
        assertThatThrownBy(() -> Idx.read(type, DType.F32)).isInstanceOf(FormatException.class)
                .hasMessageContaining("unknown type byte 0xa (byte 2)").hasMessageContaining("ubyte (0x8)");
        Path tiny = write("tiny", new byte[] {0, 0});
        assertThatThrownBy(() -> Idx.read(tiny, DType.F32)).hasMessageContaining("has 2 bytes, too few for an IDX header");
        Path floats = write("floats", concat(header(0x0D, 1), new byte[4]));
        assertThatThrownBy(() -> Idx.read(floats, DType.I32)).isInstanceOf(DTypeException.class)
                .hasMessageContaining("holds float (0xd) values; read it as f32 or f64, not i32");
    }

    @Test
    void truncatedFilesAreRefusedPlainOrGzipped() throws IOException {
        byte[] shortData = concat(header(0x08, 10, 10), new byte[60]);
        Path plain = write("short", shortData);
        assertThatThrownBy(() -> Idx.read(plain, DType.F32)).isInstanceOf(FormatException.class)
                .hasMessage("Idx.read: " + plain + " has 72 bytes but its header declares 112 (12 of header, then"
                        + " 10x10 ubyte (0x8) values): the file is truncated");
        Path gz = write("short.gz", shortData);
        assertThatThrownBy(() -> Idx.read(gz, DType.F32)).isInstanceOf(FormatException.class)
                .hasMessage("Idx.read: " + gz + " is truncated: its header declares 10x10 ubyte (0x8) values"
                        + " (100 bytes) but only 60 bytes of values follow the 12-byte header");
        Path dims = write("dims.gz", Arrays.copyOf(header(0x08, 5, 5, 5), 10));
        assertThatThrownBy(() -> Idx.read(dims, DType.F32))
                .hasMessageContaining("its header declares 3 dimensions (12 bytes) but the file ends after 10 bytes");
        Path extra = write("extra.gz", concat(header(0x08, 2), new byte[3]));
        assertThatThrownBy(() -> Idx.read(extra, DType.F32)).hasMessageContaining("has data after the 2 ubyte (0x8)"
                + " values its header declares (at byte 10)");
        Path extraPlain = write("extra", concat(header(0x08, 2), new byte[3]));
        assertThatThrownBy(() -> Idx.read(extraPlain, DType.F32)).hasMessageContaining("there is data after the values");
        // A gzip stream cut off in the middle.
        byte[] zipped = Files.readAllBytes(write("whole.gz", concat(header(0x08, 1000), new byte[1000])));
        Path cut = write("cut", Arrays.copyOf(zipped, zipped.length - 12));
        assertThatThrownBy(() -> Idx.read(cut, DType.F32)).isInstanceOf(FormatException.class)
                .hasMessageContaining("Idx.read: " + cut + " is a truncated or corrupt gzip stream")
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeAllocating() throws IOException {
        // 65536^2 = 2^32 elements: more than an array holds; the product would overflow an int.
        Path overflow = write("overflow.gz", header(0x08, 65536, 65536));
        assertThatThrownBy(() -> Idx.read(overflow, DType.F32)).isInstanceOf(FormatException.class)
                .hasMessageContaining("declares 65536x65536 ubyte (0x8) values, more than one array holds");
        // 2^16 cubed: a product that wraps to 0 in int arithmetic.
        Path wraps = write("wraps", header(0x0C, 1 << 16, 1 << 16, 1 << 16));
        assertThatThrownBy(() -> Idx.read(wraps, DType.F32)).hasMessageContaining("more than one array holds");
        Path negative = write("negative", header(0x08, 0x80000000));
        assertThatThrownBy(() -> Idx.read(negative, DType.F32))
                .hasMessageContaining("declares dimension 0 as 2147483648 (bytes 4 to 7)");
        // 2^31 - 16 doubles (16 GiB) declared by a few bytes: an allocation of that size would fail;
        // a plain file is refused by its length, a gzipped one once the values run out.
        int large = Integer.MAX_VALUE - 16;
        Path plain = write("claims", concat(header(0x0E, large), new byte[64]));
        assertThatThrownBy(() -> Idx.read(plain, DType.F64)).hasMessageContaining("the file is truncated");
        Path gz = write("claims.gz", concat(header(0x0E, large), new byte[1 << 20]));
        assertThatThrownBy(() -> Idx.read(gz, DType.F64)).isInstanceOf(FormatException.class)
                .hasMessageContaining("but only 1048576 bytes of values follow");
    }

    @Test
    void badSettingsAreRefused() throws IOException {
        Path f = write("ok", concat(header(0x08, 1), new byte[] {1}));
        assertThatThrownBy(() -> Idx.read(f, DType.BOOL)).isInstanceOf(DTypeException.class)
                .hasMessageContaining("reads into f32, f64 or i32, not bool");
        assertThatThrownBy(() -> Idx.read(f, DType.I32, 0.5)).isInstanceOf(NablaException.class)
                .hasMessageContaining("a scale (0.5) needs f32 or f64");
        assertThatThrownBy(() -> Idx.read(f, DType.F32, Double.POSITIVE_INFINITY)).hasMessageContaining("finite");
        assertThatThrownBy(() -> Idx.read(dir.resolve("absent"), DType.F32)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Idx.read((Path) null, DType.F32)).isInstanceOf(NablaException.class);
        assertThatThrownBy(() -> Idx.read((InputStream) null, "x", DType.F32, 1)).isInstanceOf(NablaException.class)
                .hasMessageContaining("stream for x is null");
    }
}
