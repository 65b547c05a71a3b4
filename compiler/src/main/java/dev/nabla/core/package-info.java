/**
 * The values and vocabulary every part of Nabla shares: {@link dev.nabla.core.NDArray}, an
 * immutable dense array of a {@link dev.nabla.core.DType} and a {@link dev.nabla.core.Shape};
 * {@link dev.nabla.core.Device}, where arrays live and programs run; and
 * {@link dev.nabla.core.NablaException}, whose nested subclasses say which kind of input an op
 * refused.
 */
package dev.nabla.core;
