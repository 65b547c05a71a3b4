package dev.nabla.compiler.io;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensor values as a saved graph's "data" fields hold them, before base64: little-endian, 4 bytes
 * per f32 (its IEEE bits, NaN payloads kept) or i32 (two's complement), 8 per f64, 1 per bool (0
 * or 1). The storage is the host layout: float[] for f32, double[] for the other dtypes.
 */
final class DataCodec {
    private DataCodec() {}

    static int width(DType dtype) {
        return switch (dtype) {
            case F32, I32 -> 4;
            case F64 -> 8;
            case BOOL -> 1;
        };
    }

    static byte[] encode(DType dtype, Object storage) {
        if (dtype == DType.F32) {
            float[] f = (float[]) storage;
            ByteBuffer b = buffer(f.length * 4L);
            b.asFloatBuffer().put(f);
            return b.array();
        }
        double[] d = (double[]) storage;
        ByteBuffer b = buffer(d.length * (long) width(dtype));
        switch (dtype) {
            case F64 -> b.asDoubleBuffer().put(d);
            case I32 -> {
                for (double v : d) {
                    if (v != (int) v) {
                        throw new NablaException("save: the i32 value " + v + " is not a whole number in i32's range");
                    }
                    b.putInt((int) v);
                }
            }
            default -> {
                for (double v : d) {
                    b.put((byte) (v != 0 ? 1 : 0));
                }
            }
        }
        return b.array();
    }

    /** Dense literal values (doubles already rounded to the dtype) as bytes. */
    static byte[] encodeLiteral(DType dtype, double[] values) {
        if (dtype != DType.F32) {
            return encode(dtype, values);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return encode(dtype, f);
    }

    /**
     * The storage of {@code count} values from {@code bytes}, which must hold exactly that many;
     * {@code entry} names the place in errors.
     */
    static Object decode(DType dtype, byte[] bytes, int count, Entry entry) {
        long expected = (long) count * width(dtype);
        if (bytes.length != expected) {
            throw entry.fail("data", "holds " + bytes.length + " bytes, but " + count + " " + dtype + " values take "
                    + expected);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.F32) {
            float[] f = new float[count];
            b.asFloatBuffer().get(f);
            return f;
        }
        double[] d = new double[count];
        switch (dtype) {
            case F64 -> b.asDoubleBuffer().get(d);
            case I32 -> {
                for (int i = 0; i < count; i++) {
                    d[i] = b.getInt(4 * i);
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    if (bytes[i] != 0 && bytes[i] != 1) {
                        throw entry.fail("data", "bool value " + i + " is the byte " + bytes[i] + "; a bool is 0 or 1");
                    }
                    d[i] = bytes[i];
                }
            }
        }
        return d;
    }

    /** As doubles, for a constant's literal. */
    static double[] literal(DType dtype, byte[] bytes, int count, Entry entry) {
        Object storage = decode(dtype, bytes, count, entry);
        if (storage instanceof double[] d) {
            return d;
        }
        float[] f = (float[]) storage;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static ByteBuffer buffer(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new NablaException("save: " + bytes + " bytes of values in one tensor; a saved tensor holds at most"
                    + " 2 GiB");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
