/**
 * Data for training, in PyTorch's style: a {@link dev.nabla.data.Dataset} holds aligned columns of
 * examples (PyTorch's {@code TensorDataset}); {@link dev.nabla.data.Batches} (PyTorch's
 * {@code DataLoader}) cuts it into shuffled mini-batches, prefetched on a background thread, one
 * {@link dev.nabla.data.Epoch} of {@link dev.nabla.data.Batch}es at a time, resumable mid-epoch.
 * {@link dev.nabla.data.Csv} and {@link dev.nabla.data.Idx} read CSV and MNIST-style files, and
 * {@link dev.nabla.data.ProgressBar} prints progress to the console.
 */
package dev.nabla.data;
