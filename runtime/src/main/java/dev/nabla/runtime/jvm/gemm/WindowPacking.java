package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs blocks of B from a {@link WindowMatrix}, into the panels {@link FloatPacking#packB} makes
 * from a stored matrix, and in the same order of k: what the micro-kernel sums is what it summed
 * when the windows were stored.
 *
 * <p>B's element (p, j) is the window array's element {@code start + p * rowStride + j *
 * colStride}. Two layouts come from convolutions, and both are read a vector of positions at a
 * time as a {@link WindowPlan} says: rows of window positions across output positions (a
 * convolution's product, {@code rowStride} = positions), whose vectors go straight into the
 * panels, and their transpose (its weight gradient's, {@code colStride} = positions), whose
 * vectors fill 16 lines of scratch that 16 x 16 register transposes move into the panel. Other
 * layouts are read a value at a time.
 */
final class WindowPacking {
    private static final VectorSpecies<Float> S = FloatKernel.SPECIES;
    private static final int LANES = S.length();
    private static final int SIDE = FloatTranspose.SIDE;
    /** Columns of B gathered at a time in {@link #columns}: a transposed block's, within one panel. */
    private static final int GROUP = Math.min(SIDE, NR);

    private WindowPacking() {}

    /**
     * As {@link FloatPacking#packB(int, int, int, float[], int, int, int, float[], int)}: the kc x nc
     * block at {@code start} (the column after the {@code skip} zero columns), its panels from
     * {@code packedStart}; scratch comes from {@code buffers}.
     */
    static void packB(WindowMatrix w, int kc, int nc, int skip, float[] source, int start, int rowStride,
            int colStride, float[] packed, int packedStart, PackingBuffers buffers) {
        int positions = w.positions;
        int position = start % positions;
        if (colStride == 1 && rowStride == positions && position + nc <= positions) {
            rows(w, kc, nc, skip, source, start / positions, position, packed, packedStart);
        } else if (rowStride == 1 && colStride == positions && position + kc <= positions) {
            columns(w, kc, nc, skip, source, start / positions, position, packed, packedStart, buffers);
        } else {
            anyLayout(w, kc, nc, skip, source, start, rowStride, colStride, packed, packedStart);
        }
    }

    /**
     * B's row p is the window array's row {@code row + p} over the positions from {@code position}:
     * block column c holds position position - skip + c, and a panel row is two vectors of them.
     */
    private static void rows(WindowMatrix w, int kc, int nc, int skip, float[] source, int row, int position,
            float[] packed, int packedStart) {
        WindowPlan plan = w.plan(position - skip, skip, skip + nc);
        int vectors = Blocking.roundUp(skip + nc, NR) / LANES;
        // The row's window position and plane, stepped along rather than divided out per row.
        int k = row % w.windowSize;
        int base = w.planeStart(row);
        for (int p = 0; p < kc; p++) {
            int entry = k * plan.vectors;
            int to = packedStart + p * NR;
            for (int v = 0; v < vectors; v++) {
                // Lanes v * LANES on: panel v / 2, its half v % 2 (NR is two vectors).
                int at = to + (v >> 1) * NR * kc + (v & 1) * LANES;
                if (v < plan.vectors) {
                    plan.write(entry, base, v, source, packed, at);
                } else {
                    FloatVector.zero(S).intoArray(packed, at);
                }
            }
            if (++k == w.windowSize) {
                k = 0;
                base += w.plane;
            }
        }
    }

    /**
     * B's column j is the window array's row {@code row + j} over the positions from {@code position}:
     * GROUP columns are written as lines of scratch, then transposed into the panel SIDE steps at
     * a time.
     */
    private static void columns(WindowMatrix w, int kc, int nc, int skip, float[] source, int row, int position,
            float[] packed, int packedStart, PackingBuffers buffers) {
        WindowPlan plan = w.plan(position, 0, kc);
        int stride = plan.vectors * LANES;
        float[] lines = buffers.floatLines(GROUP * stride);
        int blocked = FloatTranspose.ENABLED ? kc - kc % SIDE : 0;
        int width = Blocking.roundUp(skip + nc, NR);
        int k = row % w.windowSize;
        int base = w.planeStart(row);
        for (int c0 = 0; c0 < width; c0 += GROUP) {
            for (int i = 0; i < GROUP; i++) {
                int j = c0 + i - skip;
                int entry = k * plan.vectors;
                for (int v = 0; v < plan.vectors; v++) {
                    if (j < 0 || j >= nc) {
                        FloatVector.zero(S).intoArray(lines, i * stride + v * LANES);
                    } else {
                        plan.write(entry, base, v, source, lines, i * stride + v * LANES);
                    }
                }
                if (j >= 0 && ++k == w.windowSize) {
                    k = 0;
                    base += w.plane;
                }
            }
            int panel = packedStart + c0 / NR * NR * kc + c0 % NR;
            for (int p0 = 0; p0 < blocked; p0 += SIDE) {
                FloatTranspose.block(lines, p0, stride, SIDE, packed, panel + p0 * NR, NR);
            }
            for (int i = 0; i < GROUP; i++) {
                for (int p = blocked; p < kc; p++) {
                    packed[panel + p * NR + i] = lines[i * stride + p];
                }
            }
        }
    }

    /**
     * The adjoint of packing: the mc x nc block of C = packed A . packed B, whose element (i, j) is
     * the window array's element {@code start + i * positions + j}, added into {@code target}
     * where the windows read it (see FloatGemm.multiplyIntoWindows), a tile at a time through
     * {@code tile} (MR x NR scratch).
     */
    static void addTiles(int mc, int nc, int kc, float[] packedA, float[] packedB, int bBase, WindowMatrix w,
            float[] target, int start, float[] tile) {
        int positions = w.positions;
        int row = start / positions;
        WindowPlan plan = w.plan(start % positions, 0, nc);
        for (int j0 = 0; j0 < nc; j0 += NR) {
            int k = row % w.windowSize;
            int base = w.planeStart(row);
            for (int i0 = 0; i0 < mc; i0 += FloatKernel.MR) {
                FloatKernel.multiply(kc, packedA, i0 * kc, packedB, bBase + j0 * kc, tile, 0, NR);
                for (int r = 0; r < Math.min(FloatKernel.MR, mc - i0); r++) {
                    int entry = k * plan.vectors;
                    for (int v = j0 / LANES; v < Math.min(plan.vectors, (j0 + NR) / LANES); v++) {
                        plan.add(entry, base, v, tile, r * NR + v * LANES - j0, target);
                    }
                    if (++k == w.windowSize) {
                        k = 0;
                        base += w.plane;
                    }
                }
            }
        }
    }

    /** Any other layout, a value at a time (a convolution's products never need it). */
    private static void anyLayout(WindowMatrix w, int kc, int nc, int skip, float[] source, int start, int rowStride,
            int colStride, float[] packed, int packedStart) {
        int width = Blocking.roundUp(skip + nc, NR);
        for (int c = 0; c < width; c++) {
            int j = c - skip;
            int to = packedStart + c / NR * NR * kc + c % NR;
            for (int p = 0; p < kc; p++) {
                packed[to + p * NR] = j >= 0 && j < nc ? w.value(source, start + p * rowStride + j * colStride) : 0f;
            }
        }
    }
}
