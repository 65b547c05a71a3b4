/**
 * Neural-network layers in PyTorch's style, with PyTorch's parameter names and initializations. A
 * {@link dev.nabla.nn.Layer} is a plain description ({@link dev.nabla.nn.Linear},
 * {@link dev.nabla.nn.Conv2d}, {@link dev.nabla.nn.BatchNorm2d}, {@link dev.nabla.nn.Sequential},
 * the parameterless ones in {@link dev.nabla.nn.Layers}); {@link dev.nabla.nn.Model} declares its
 * parameters in a graph, applies it in training or evaluation mode, and saves and loads its state
 * dict. Layers of your own declare parameters in {@link dev.nabla.nn.Declarations} and read them
 * from a {@link dev.nabla.nn.Scope}.
 */
package dev.nabla.nn;
