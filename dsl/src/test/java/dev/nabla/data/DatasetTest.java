package dev.nabla.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Datasets: aligned columns checked, rows gathered with their dtypes, splits reproducible from a seed. */
class DatasetTest {
    /** Example i: x = (i, i + 0.5) in f32, y = 10 i in i32, z = i / 4 in f64. */
    static Dataset numbered(int n) {
        float[] x = new float[2 * n];
        double[] y = new double[n];
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = i + 0.5f;
            y[i] = 10 * i;
            z[i] = i / 4.0;
        }
        return Dataset.of(NDArray.of(x, n, 2), NDArray.fromDoubles(DType.I32, Shape.of(n), y), NDArray.of(z, n))
                .named("x", "y", "z");
    }

    @Test
    void takeGathersRowsOfEveryColumnInTheOrderAsked() {
        Dataset d = numbered(6).take(4, 1, 4);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.column("x").shape()).isEqualTo(Shape.of(3, 2));
        assertThat(d.column("x").toFloatArray()).containsExactly(4f, 4.5f, 1f, 1.5f, 4f, 4.5f);
        assertThat(d.column("y").dtype()).isEqualTo(DType.I32);
        assertThat(d.column("y").toDoubleArray()).containsExactly(40, 10, 40);
        assertThat(d.column(2).dtype()).isEqualTo(DType.F64);
        assertThat(d.column(2).toDoubleArray()).containsExactly(1.0, 0.25, 1.0);
        assertThat(d.names()).containsExactly("x", "y", "z");
    }

    @Test
    void rowsIsARangeAndColumnsOfHigherRankKeepTheirTrailingAxes() {
        float[] images = new float[5 * 2 * 3];
        for (int i = 0; i < images.length; i++) {
            images[i] = i;
        }
        Dataset d = Dataset.of(NDArray.of(images, 5, 2, 3)).rows(3, 5);
        assertThat(d.column(0).shape()).isEqualTo(Shape.of(2, 2, 3));
        assertThat(d.column(0).toFloatArray()).containsExactly(
                IntStream.range(18, 30).mapToObj(i -> (float) i).toArray(Float[]::new));
        assertThat(d.names()).containsExactly("0");
        assertThat(numbered(4).rows(2, 2).size()).isZero();
    }

    @Test
    void splitHoldsOutARandomSubsetFromTheSeedAndKeepsTheOrder() {
        Dataset all = numbered(50);
        Dataset.Split split = all.split(12, 7);
        assertThat(split.test().size()).isEqualTo(12);
        assertThat(split.train().size()).isEqualTo(38);
        double[] test = split.test().column("y").toDoubleArray();
        double[] train = split.train().column("y").toDoubleArray();
        assertThat(test).isSorted();
        assertThat(train).isSorted();
        double[] both = concat(test, train);
        Arrays.sort(both);
        assertThat(both).containsExactly(IntStream.range(0, 50).mapToDouble(i -> 10 * i).toArray());
        // Not the first 12: the held-out set is drawn.
        assertThat(test).isNotEqualTo(IntStream.range(0, 12).mapToDouble(i -> 10 * i).toArray());
        // Rows stay aligned: x of an example is y / 10.
        float[] x = split.test().column("x").toFloatArray();
        for (int i = 0; i < test.length; i++) {
            assertThat(x[2 * i]).isEqualTo((float) (test[i] / 10));
        }
        assertThat(all.split(12, 7).test().column("y").toDoubleArray()).containsExactly(test);
        assertThat(all.split(12, 8).test().column("y").toDoubleArray()).isNotEqualTo(test);
    }

    @Test
    void splitHoldsOutTheFirstEntriesOfTheGraphsPermutationForTheSeed() {
        int[] expected;
        try (var g = Graph.create()) {
            double[] perm = g.compile().eval(Nabla.permutation(Nabla.key(g, 123), 30)).toDoubleArray();
            expected = Arrays.stream(perm, 0, 9).mapToInt(v -> (int) v).sorted().toArray();
        }
        double[] test = numbered(30).split(9, 123).test().column("y").toDoubleArray();
        assertThat(Arrays.stream(test).mapToInt(v -> (int) v / 10).toArray()).containsExactly(expected);
    }

    @Test
    void columnsOfDifferentLengthsAreRefusedNamingEachColumnAndShape() {
        var x = NDArray.of(new float[6], 3, 2);
        var y = NDArray.fromDoubles(DType.I32, Shape.of(4), new double[4]);
        assertThatThrownBy(() -> Dataset.of(x, y)).isInstanceOf(ShapeException.class)
                .hasMessageContaining("Dataset.of").hasMessageContaining("'0' f32[3,2]")
                .hasMessageContaining("'1' i32[4]");
        assertThatThrownBy(() -> Dataset.of(x, NDArray.scalar(1f))).isInstanceOf(ShapeException.class)
                .hasMessageContaining("column '1' is a scalar");
        assertThatThrownBy(() -> Dataset.of(x, null)).isInstanceOf(NablaException.class)
                .hasMessageContaining("column '1' is null");
        assertThatThrownBy(Dataset::of).isInstanceOf(NablaException.class).hasMessageContaining("at least one column");
        assertThatThrownBy(() -> Dataset.of(x, x).named("a", "a")).hasMessageContaining("'a' appears twice");
        assertThatThrownBy(() -> Dataset.of(x).named("a", "b")).hasMessageContaining("needs 1 names");
    }

    @Test
    void badIndicesAndNamesAreRefusedWithTheValidRange() {
        Dataset d = numbered(5);
        assertThatThrownBy(() -> d.take(0, 5)).isInstanceOf(IndexException.class)
                .hasMessageContaining("Dataset.take: index 5").hasMessageContaining("0 to 4");
        assertThatThrownBy(() -> d.take(-1)).isInstanceOf(IndexException.class);
        assertThatThrownBy(() -> d.rows(3, 2)).isInstanceOf(IndexException.class).hasMessageContaining("[3, 2)");
        assertThatThrownBy(() -> d.split(6, 1)).isInstanceOf(NablaException.class)
                .hasMessageContaining("cannot hold out 6 of 5");
        assertThatThrownBy(() -> d.column("w")).hasMessageContaining("no column named 'w'")
                .hasMessageContaining("'x' f32[5,2], 'y' i32[5], 'z' f64[5]");
        assertThatThrownBy(() -> d.column(3)).isInstanceOf(IndexException.class);
        assertThatThrownBy(() -> d.batches(0)).hasMessageContaining("batch size must be at least 1");
    }

    @Test
    void takingMoreRowsThanAnArrayHoldsIsAShapeErrorNotAnOverflow() {
        Dataset wide = Dataset.of(NDArray.of(new float[2 * 40_000], 2, 40_000));
        int[] many = new int[60_000];
        assertThatThrownBy(() -> wide.take(many)).isInstanceOf(ShapeException.class)
                .hasMessageContaining("more than 2^31-1 elements");
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static List<Integer> ys(Batch b) {
        return Arrays.stream(b.get("y").toDoubleArray()).mapToObj(v -> (int) v / 10).toList();
    }
}
