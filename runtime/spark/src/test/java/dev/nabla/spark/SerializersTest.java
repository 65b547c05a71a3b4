package dev.nabla.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.reflect.ClassTag$;

/**
 * What travels through {@code spark.serializer} (broadcast weights, cached blocks that spill,
 * partial sums shuffled by a deep aggregation) survives Spark's Java serializer and Kryo, which
 * clusters often configure and which cannot rebuild records.
 */
class SerializersTest {
    private static SerializerInstance serializer(String kind) {
        SparkConf conf = new SparkConf();
        Serializer s = kind.equals("kryo") ? new KryoSerializer(conf) : new JavaSerializer(conf);
        return s.newInstance();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(SerializerInstance s, T value) {
        var tag = ClassTag$.MODULE$.<T>apply(value.getClass());
        return (T) s.deserialize(s.serialize(value, tag), tag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "kryo"})
    void weightsBlocksAndSumsSurvive(String kind) {
        SerializerInstance s = serializer(kind);
        Map<String, NDArray> state = new LinkedHashMap<>();
        state.put("0.weight", NDArray.of(new float[] {1.5f, -2f, 0.25f, 3f}, 2, 2));
        state.put("1.num_batches_tracked", NDArray.fromDoubles(DType.I32, Shape.SCALAR, new double[] {7}));
        Weights w = roundTrip(s, Weights.of(12, state));
        assertEquals(12, w.version());
        assertEquals(List.copyOf(state.keySet()), List.copyOf(w.toMap().keySet()));
        assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 3f}, w.toMap().get("0.weight").toFloatArray());
        assertEquals(7, w.toMap().get("1.num_batches_tracked").item());

        Block b = roundTrip(s, new Block(2, 2, new float[] {1, 2, 3, 4}, new double[] {0, 1}));
        NDArray[] taken = b.take(new int[] {1}, 2, Labels.CLASSES);
        assertArrayEquals(new float[] {3, 4, 3, 4}, taken[0].toFloatArray());
        assertArrayEquals(new double[] {1, 1}, taken[1].toDoubleArray());
        assertArrayEquals(new float[] {1, 0}, taken[2].toFloatArray());

        PartialGradients p = PartialGradients.of(3, 2, NDArray.scalar(1.5f), List.of(NDArray.of(new float[] {0.5f, 1}, 2)));
        PartialGradients sum = roundTrip(s, PartialGradients.empty()).add(roundTrip(s, p)).add(roundTrip(s, p));
        assertEquals(4, sum.examples());
        assertEquals(0.75, sum.meanLoss());
        assertArrayEquals(new float[] {0.25f, 0.5f},
                sum.means(List.of(DType.F32), List.of(Shape.of(2))).get(0).toFloatArray());
    }
}
