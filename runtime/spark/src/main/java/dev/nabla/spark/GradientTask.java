package dev.nabla.spark;

import dev.nabla.core.NablaException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * One step's work on one partition, shipped with each task: find the partition's share of the
 * global batch, and hand in its summed loss and gradients (nothing, for an empty share).
 *
 * @param trainer  the trainer's id: which compiled model on the executor to use
 * @param recipe   how to build that model and its gradient program, where none is cached
 * @param weights  the parameters of this step
 * @param examples the examples' id: which cached partition plans to use
 * @param offsets  each partition's first example in the data
 * @param order    the examples' order, which gives the batch
 * @param epoch    the step's epoch
 * @param batch    the step's batch in its epoch
 * @param step     the trainer's step, for messages
 */
record GradientTask(String trainer, TrainingRecipe recipe, Broadcast<Weights> weights, String examples,
                    long[] offsets, EpochOrder order, long epoch, long batch, long step)
        implements Function2<Integer, Iterator<Block>, Iterator<PartialGradients>> {

    @Override
    public Iterator<PartialGradients> call(Integer partition, Iterator<Block> blocks) {
        String where = "step " + step + " (epoch " + epoch + ", batch " + batch + "), partition " + partition;
        try {
            Block block = only(blocks);
            PartitionPlan plan = PartitionPlan.of(examples, partition, offsets[partition], block.rows(), order, epoch);
            int[] rows = plan.rows(order.start(batch), order.end(batch));
            if (rows.length == 0) {
                return List.of(PartialGradients.empty()).iterator();
            }
            GradientWorker worker = ExecutorCache.get(trainer, GradientWorker.class, () -> new GradientWorker(recipe));
            return List.of(worker.gradients(weights.value(), block, rows, partition)).iterator();
        } catch (RuntimeException e) {
            throw Failures.at(where, e);
        }
    }

    /** A partition of examples is one block (Examples makes them so). */
    private static Block only(Iterator<Block> blocks) {
        if (!blocks.hasNext()) {
            throw new NablaException("holds no block of examples; was the examples' RDD changed?");
        }
        Block block = blocks.next();
        if (blocks.hasNext()) {
            throw new NablaException("holds more than one block of examples; was the examples' RDD changed?");
        }
        return block;
    }
}
