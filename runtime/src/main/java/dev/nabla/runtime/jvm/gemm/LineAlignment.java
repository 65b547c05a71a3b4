package dev.nabla.runtime.jvm.gemm;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Arrays for packed panels of B whose panels can start on a 64-byte cache line, so that none of
 * the kernel's 64-byte vector loads straddles two lines. A straddling load costs a second cache
 * access: the kernel ran 4% slower on such a panel with its operands in L1, and a 2048^3 double
 * multiplication 7% slower.
 *
 * <p>Java does not tell an array's address, but G1 puts an array of at least half a heap region
 * (a "humongous" one) at the start of a region, which lies on a line, and moves it only to the
 * start of another; its first element lies the array header past that. So an array made that
 * large has a known first index on a line. The header's length and the collector come from the
 * JVM's options. Under another collector, with regions over {@link #MAX_BYTES} twice, or where
 * the options cannot be read, arrays keep their asked-for length and index 0: only speed differs.
 */
final class LineAlignment {
    static final int LINE_BYTES = 64;
    /** Largest array made humongous on purpose: G1 regions up to 8 MiB (heaps up to about 16 GiB). */
    static final long MAX_BYTES = 4L << 20;

    /** Bytes an array takes to be humongous; 0 when arrays are not known to start on a line. */
    private static final long LARGE_BYTES;
    /** Bytes from an array's start to the end of its length field. */
    private static final int HEADER_BYTES;

    static {
        long large = 0;
        int header = 0;
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
                long half = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) / 2;
                boolean compact = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue());
                boolean compressedClass = Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue());
                // Mark word, then class pointer (within the mark word when compact), then a 4-byte length.
                header = (compact ? 8 : compressedClass ? 12 : 16) + 4;
                large = half > 0 && half <= MAX_BYTES ? half : 0;
            }
        } catch (RuntimeException | LinkageError unknown) {
            // Another JVM, or one without jdk.management: no alignment, as before.
            large = 0;
        }
        LARGE_BYTES = large;
        HEADER_BYTES = header;
    }

    private static final int FLOAT_START = LARGE_BYTES == 0 ? 0 : firstAlignedIndex(HEADER_BYTES, Float.BYTES);
    private static final int DOUBLE_START = LARGE_BYTES == 0 ? 0 : firstAlignedIndex(HEADER_BYTES, Double.BYTES);

    private LineAlignment() {}

    /**
     * The first index of an array on a line, for an array that starts on one: its elements follow
     * a header of {@code headerBytes}, rounded up to the element size.
     */
    static int firstAlignedIndex(int headerBytes, int elementBytes) {
        int base = Blocking.roundUp(headerBytes, elementBytes);
        return (LINE_BYTES - base % LINE_BYTES) % LINE_BYTES / elementBytes;
    }

    /** The index of {@link #floats} arrays that starts a line (0 when not known). */
    static int floatStart() {
        return FLOAT_START;
    }

    /** The index of {@link #doubles} arrays that starts a line (0 when not known). */
    static int doubleStart() {
        return DOUBLE_START;
    }

    /** An array with room for {@code length} values from {@link #floatStart()}. */
    static float[] floats(int length) {
        return new float[Math.max(FLOAT_START + length, (int) (LARGE_BYTES / Float.BYTES))];
    }

    /** An array with room for {@code length} values from {@link #doubleStart()}. */
    static double[] doubles(int length) {
        return new double[Math.max(DOUBLE_START + length, (int) (LARGE_BYTES / Double.BYTES))];
    }
}
