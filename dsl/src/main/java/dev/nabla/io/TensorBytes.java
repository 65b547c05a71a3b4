package dev.nabla.io;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

/** NDArrays to and from the raw little-endian bytes of a tensor file. */
final class TensorBytes {
    private TensorBytes() {}

    /** The values of a host array as little-endian bytes of its dtype. */
    static ByteBuffer encode(NDArray v) {
        ByteBuffer out = ByteBuffer.allocate(v.size() * v.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (v.dtype()) {
            case F32 -> out.asFloatBuffer().put((float[]) v.storage());
            case F64 -> out.asDoubleBuffer().put((double[]) v.storage());
            case I32 -> {
                var ints = out.asIntBuffer();
                for (double d : (double[]) v.storage()) {
                    ints.put((int) d);
                }
            }
            case BOOL -> {
                for (double d : (double[]) v.storage()) {
                    out.put((byte) (d != 0 ? 1 : 0));
                }
                out.rewind();
            }
        }
        return out;
    }

    /**
     * A tensor of the file's dtype as an NDArray: floating types of 16 bits widen to f32, integer
     * types become i32 ({@code outOfRange} is thrown for an I64 value i32 cannot hold).
     */
    static NDArray decode(String dtype, Shape shape, ByteBuffer in, Supplier<RuntimeException> outOfRange) {
        int n = shape.size();
        return switch (dtype) {
            case "F32" -> {
                float[] f = new float[n];
                in.asFloatBuffer().get(f);
                yield NDArray.wrap(DType.F32, shape, f);
            }
            case "F64" -> {
                double[] d = new double[n];
                in.asDoubleBuffer().get(d);
                yield NDArray.wrap(DType.F64, shape, d);
            }
            case "F16", "BF16" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    short h = in.getShort();
                    f[i] = dtype.equals("F16") ? Float.float16ToFloat(h) : Float.intBitsToFloat((h & 0xFFFF) << 16);
                }
                yield NDArray.wrap(DType.F32, shape, f);
            }
            case "BOOL" -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = in.get() != 0 ? 1 : 0;
                }
                yield NDArray.wrap(DType.BOOL, shape, d);
            }
            default -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = switch (dtype) {
                        case "I64" -> {
                            long l = in.getLong();
                            if (l != (int) l) {
                                throw outOfRange.get();
                            }
                            yield l;
                        }
                        case "I32" -> in.getInt();
                        case "I16" -> in.getShort();
                        case "I8" -> in.get();
                        case "U8" -> in.get() & 0xFF;
                        default -> throw new IllegalStateException("unchecked dtype " + dtype);
                    };
                }
                yield NDArray.wrap(DType.I32, shape, d);
            }
        };
    }
}
