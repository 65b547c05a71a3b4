package dev.nabla.examples;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.NDArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** UCI's handwritten digits (8x8 images, pixels scaled to [0, 1]) as the digit examples use them. */
final class DigitsData {
    static final int SIDE = 8;
    static final int PIXELS = SIDE * SIDE;
    static final int CLASSES = 10;

    record Digit(float[] pixels, int label) {}

    private DigitsData() {}

    static List<Digit> load() {
        var in = DigitsData.class.getResourceAsStream("/data/digits.csv.gz");
        if (in == null) {
            throw new IllegalStateException("data/digits.csv.gz is missing from the class path");
        }
        List<Digit> digits = new ArrayList<>();
        try (var reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.US_ASCII))) {
            for (String line; (line = reader.readLine()) != null; ) {
                String[] fields = line.split(",");
                float[] pixels = new float[PIXELS];
                for (int i = 0; i < PIXELS; i++) {
                    pixels[i] = Float.parseFloat(fields[i]) / 16f;
                }
                digits.add(new Digit(pixels, Integer.parseInt(fields[PIXELS].trim())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return digits;
    }

    /** The digits shuffled with a fixed seed: the first {@code test} held out, the rest to train on. */
    record Split(List<Digit> train, List<Digit> test) {}

    static Split split(int test) {
        List<Digit> all = load();
        java.util.Collections.shuffle(all, new java.util.Random(7));
        return new Split(new ArrayList<>(all.subList(test, all.size())), all.subList(0, test));
    }

    /** The images one after another, with the given dimensions (e.g. N×64 or N×1×8×8). */
    static NDArray pixels(List<Digit> digits, int... dims) {
        float[] data = new float[digits.size() * PIXELS];
        for (int i = 0; i < digits.size(); i++) {
            System.arraycopy(digits.get(i).pixels(), 0, data, i * PIXELS, PIXELS);
        }
        return NDArray.of(data, dims);
    }

    /** The labels as i32, for cross-entropy with integer labels. */
    static NDArray labels(List<Digit> digits) {
        double[] labels = digits.stream().mapToDouble(Digit::label).toArray();
        return NDArray.fromDoubles(DType.I32, Shape.of(digits.size()), labels);
    }

    /** How many rows of scores [N, 10] have their largest score at the digit's label. */
    static int correct(float[] scores, List<Digit> digits) {
        int right = 0;
        for (int i = 0; i < digits.size(); i++) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (scores[i * CLASSES + c] > scores[i * CLASSES + best]) {
                    best = c;
                }
            }
            right += best == digits.get(i).label() ? 1 : 0;
        }
        return right;
    }

    /** A console progress bar. */
    static String bar(int done, int total) {
        int width = 20;
        int filled = done * width / total;
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }
}
