/**
 * Static computation graphs with symbolic differentiation. Create a {@link dev.nabla.Graph},
 * declare its inputs and parameters, build {@link dev.nabla.Tensor}s with their methods and the
 * functions of {@link dev.nabla.Nabla} (derivatives and Jacobians, loops, convolutions, losses,
 * random draws), then compile it into a {@link dev.nabla.CompiledGraph} for a device and run it.
 * {@link dev.nabla.Init} makes initial values, {@link dev.nabla.CustomFunction} adds functions
 * with derivative rules of your own, {@link dev.nabla.GradCheck} checks derivatives against finite
 * differences, {@link dev.nabla.Traced} handles inputs whose shapes vary, and
 * {@link dev.nabla.SavedGraph} reads back a graph saved to a file.
 */
package dev.nabla;
