/**
 * Files of named tensors: {@link dev.nabla.io.SafeTensors} reads and writes the safetensors
 * format that PyTorch and Hugging Face use, so that weights pass between Nabla and PyTorch. Models
 * and trainers save through it ({@code Model.save}, {@code Trainer.save}); whole graphs are saved
 * with {@link dev.nabla.SavedGraph}.
 */
package dev.nabla.io;
