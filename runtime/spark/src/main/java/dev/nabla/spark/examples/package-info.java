/** A runnable example: {@link dev.nabla.spark.examples.DigitsOnSpark} trains, saves and scores a digits classifier. */
package dev.nabla.spark.examples;
