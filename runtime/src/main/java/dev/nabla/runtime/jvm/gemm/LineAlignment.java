package dev.nabla.runtime.jvm.gemm;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Where arrays meet 64-byte cache lines, so that the kernel's 64-byte vector loads of packed B,
 * and of a large C, need not straddle two lines. A straddling load costs a second cache access:
 * the kernel ran 4% slower on such a B panel with its operands in L1, a 2048^3 double
 * multiplication 7% slower, and up to 4% more with C's tiles across lines.
 *
 * <p>Java does not tell an array's address, but G1 puts an array of over half a heap region
 * (a "humongous" one) at the start of a region, which lies on a line, and moves it only to the
 * start of another; its first element lies the array header past that. So an array made that
 * large has a known first index on a line, and so has any large C a caller passes
 * ({@link #floatLead}). The header's length and the collector come from the JVM's options. Under
 * another collector, with regions over {@link #MAX_BYTES} twice, or where the options cannot be
 * read, arrays keep their asked-for length and index 0 and no lead is known: only speed differs.
 */
final class LineAlignment {
    static final int LINE_BYTES = 64;
    /** Largest array made humongous on purpose: G1 regions up to 8 MiB (heaps up to about 16 GiB). */
    static final long MAX_BYTES = 4L << 20;

    /** Bytes past which an array is humongous; 0 when arrays are not known to start on a line. */
    private static final long HUMONGOUS_BYTES;
    /** Bytes packed B arrays are made, to be humongous; 0 when not known or over the cap. */
    private static final long LARGE_BYTES;
    /** Bytes from an array's start to the end of its length field. */
    private static final int HEADER_BYTES;

    static {
        long humongous = 0;
        int header = 0;
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
                long half = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) / 2;
                boolean compact = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue());
                boolean compressedClass = Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue());
                // Mark word, then class pointer (within the mark word when compact), then a 4-byte length.
                header = (compact ? 8 : compressedClass ? 12 : 16) + 4;
                humongous = half;
            }
        } catch (RuntimeException | LinkageError unknown) {
            // Another JVM, or one without jdk.management: no alignment, as before.
            humongous = 0;
        }
        HUMONGOUS_BYTES = humongous;
        LARGE_BYTES = humongous <= MAX_BYTES ? humongous : 0;
        HEADER_BYTES = header;
    }

    private static final int FLOAT_LINE_START = firstAlignedIndex(HEADER_BYTES, Float.BYTES);
    private static final int DOUBLE_LINE_START = firstAlignedIndex(HEADER_BYTES, Double.BYTES);
    private static final int FLOAT_START = LARGE_BYTES == 0 ? 0 : FLOAT_LINE_START;
    private static final int DOUBLE_START = LARGE_BYTES == 0 ? 0 : DOUBLE_LINE_START;

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

    /**
     * How many columns before {@code cStart} a row of C must start for its columns to fall on lines
     * every 64 bytes, in {@code [0, 16)}; -1 when not known: C is not humongous, the JVM's layout is
     * not known, or rows {@code ldc} apart do not all fall alike.
     */
    static int floatLead(float[] c, int cStart, int ldc) {
        return lead(c.length, Float.BYTES, FLOAT_LINE_START, cStart, ldc);
    }

    /** As {@link #floatLead}, in {@code [0, 8)}. */
    static int doubleLead(double[] c, int cStart, int ldc) {
        return lead(c.length, Double.BYTES, DOUBLE_LINE_START, cStart, ldc);
    }

    private static int lead(int length, int elementBytes, int lineStart, int cStart, int ldc) {
        int perLine = LINE_BYTES / elementBytes;
        if (HUMONGOUS_BYTES == 0 || (long) length * elementBytes <= HUMONGOUS_BYTES || ldc % perLine != 0) {
            return -1;
        }
        return Math.floorMod(cStart - lineStart, perLine);
    }
}
