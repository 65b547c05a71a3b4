package dev.nabla.runtime.tornadovm;

import dev.nabla.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/** TornadoVM's off-heap arrays, made and copied in bulk: FloatArray for f32 storage, else DoubleArray. */
final class OffHeap {
    private OffHeap() {}

    static TornadoNativeArray allocate(DType storage, int size) {
        return storage == DType.F32 ? new FloatArray(Math.max(1, size)) : new DoubleArray(Math.max(1, size));
    }

    /** Copies a host array (float[] or double[]) into the start of {@code to}. */
    static void fromHost(Object from, TornadoNativeArray to) {
        if (from instanceof float[] f) {
            MemorySegment.copy(f, 0, to.getSegment(), ValueLayout.JAVA_FLOAT, 0, f.length);
        } else {
            double[] d = (double[]) from;
            MemorySegment.copy(d, 0, to.getSegment(), ValueLayout.JAVA_DOUBLE, 0, d.length);
        }
    }

    /** Copies {@code count} elements from {@code offset} of an off-heap array into a host array. */
    static void toHost(TornadoNativeArray from, int offset, Object to, int count) {
        if (to instanceof float[] f) {
            MemorySegment.copy(from.getSegment(), ValueLayout.JAVA_FLOAT, (long) offset * Float.BYTES, f, 0, count);
        } else {
            MemorySegment.copy(from.getSegment(), ValueLayout.JAVA_DOUBLE, (long) offset * Double.BYTES, (double[]) to, 0, count);
        }
    }

    static void copy(TornadoNativeArray from, TornadoNativeArray to, int count) {
        MemorySegment.copy(from.getSegment(), 0, to.getSegment(), 0, (long) count * from.getElementSize());
    }

    /** One element as a double, for strided reads. */
    static double get(TornadoNativeArray a, int index) {
        return a instanceof FloatArray f ? f.get(index) : ((DoubleArray) a).get(index);
    }
}
