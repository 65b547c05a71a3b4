/**
 * Nabla on Apache Spark: synchronous data-parallel training and batch inference on DataFrames.
 * Read the rows into {@link dev.nabla.spark.Examples} (which {@link dev.nabla.spark.Columns} hold
 * an example), train with a {@link dev.nabla.spark.SparkTrainer} built from a
 * {@link dev.nabla.spark.ModelFactory} and an {@link dev.nabla.spark.ExampleLoss} (see
 * {@link dev.nabla.spark.ExampleLosses}), and score a DataFrame with a
 * {@link dev.nabla.spark.Scorer}. The global batches follow an {@link dev.nabla.spark.EpochOrder}.
 * Spark is a provided dependency: the cluster's own.
 */
package dev.nabla.spark;
