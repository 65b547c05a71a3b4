package dev.nabla.examples;

import dev.nabla.data.Csv;
import dev.nabla.data.Dataset;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * UCI's handwritten digits (8x8 images) as the digit examples use them: a {@link Dataset} of
 * "features", f32 [N, 64] with the pixels (0..16 in the file) scaled to [0, 1], and "label",
 * i32 [N].
 */
final class DigitsData {
    static final int SIDE = 8;
    static final int PIXELS = SIDE * SIDE;
    static final int CLASSES = 10;
    private static final String RESOURCE = "/data/digits.csv.gz";

    private DigitsData() {}

    /** All 1797 digits: 64 pixel columns then the label, no header. */
    static Dataset load() {
        try (InputStream in = DigitsData.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return Csv.reader().label(PIXELS).scale(1 / 16.0).read(in, RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The digits with {@code test} of them held out, chosen at random by a fixed seed. */
    static Dataset.Split split(int test) {
        return load().split(test, 7);
    }

    /** How many rows of scores [N, 10] have their largest score at the digit's label (i32 [N]). */
    static int correct(float[] scores, NDArray labels) {
        int right = 0;
        for (int i = 0; i < labels.size(); i++) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (scores[i * CLASSES + c] > scores[i * CLASSES + best]) {
                    best = c;
                }
            }
            right += best == (int) labels.getDouble(i) ? 1 : 0;
        }
        return right;
    }
}
