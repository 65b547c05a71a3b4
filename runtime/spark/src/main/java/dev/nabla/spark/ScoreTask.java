package dev.nabla.spark;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores one partition lazily, a batch of rows at a time (the last batch padded to the compiled
 * size), and hands back each row with the model's output (and its arg max) appended.
 *
 * @param scorer     the scorer's id: which compiled model on the executor to use
 * @param factory    builds the model, where none is cached
 * @param weights    the model's state
 * @param reader     reads the features out of a row
 * @param batchSize  the rows per evaluation
 * @param outputs    the model's outputs per row (C for [n, C]), or 0 for one value per row ([n])
 * @param prediction whether each row's arg max is appended too
 */
record ScoreTask(String scorer, ModelFactory factory, Broadcast<Weights> weights, RowReader reader, int batchSize,
                 int outputs, boolean prediction) implements MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        int partition = TaskContext.getPartitionId();
        int features = reader.features();
        return new Iterator<>() {
            private final List<Row> batch = new ArrayList<>(batchSize);
            private float[] scores = new float[0];
            private int next;
            private long read;

            @Override
            public boolean hasNext() {
                if (next < batch.size()) {
                    return true;
                }
                if (!rows.hasNext()) {
                    return false;
                }
                fill();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row row = batch.get(next);
                Object[] values = new Object[row.size() + 1 + (prediction ? 1 : 0)];
                for (int i = 0; i < row.size(); i++) {
                    values[i] = row.get(i);
                }
                int width = Math.max(outputs, 1);
                if (outputs == 0) {
                    values[row.size()] = scores[next];
                } else {
                    float[] own = new float[outputs];
                    System.arraycopy(scores, next * width, own, 0, outputs);
                    values[row.size()] = own;
                }
                if (prediction) {
                    values[row.size() + 1] = argMax(scores, next * width, width);
                }
                next++;
                return RowFactory.create(values);
            }

            /** Reads up to a batch of rows and scores them. */
            private void fill() {
                batch.clear();
                next = 0;
                float[] x = new float[batchSize * features];
                while (batch.size() < batchSize && rows.hasNext()) {
                    Row row = rows.next();
                    reader.read(row, partition, read++, x, batch.size() * features);
                    batch.add(row);
                }
                // The compiled batch size: rows past the real ones repeat the first, and are dropped.
                for (int i = batch.size(); i < batchSize; i++) {
                    System.arraycopy(x, 0, x, i * features, features);
                }
                try {
                    ScoreWorker worker = ExecutorCache.get(scorer, ScoreWorker.class,
                            () -> new ScoreWorker(factory, features, batchSize));
                    scores = worker.score(weights.value(), NDArray.wrap(DType.F32, Shape.of(batchSize, features), x))
                            .toFloatArray();
                } catch (RuntimeException e) {
                    throw Failures.at("Scorer: partition " + partition + ", rows " + (read - batch.size()) + " to "
                            + (read - 1), e);
                }
            }
        };
    }

    private static int argMax(float[] v, int from, int width) {
        int best = 0;
        for (int c = 1; c < width; c++) {
            if (v[from + c] > v[from + best]) {
                best = c;
            }
        }
        return best;
    }
}
