package dev.nabla.compiler.ir;

/**
 * How the simplifier may rewrite a graph's arithmetic as nodes are built.
 *
 * <ul>
 *   <li>{@link #IEEE} (the default): a graph computes what IEEE 754 arithmetic gives for the ops as
 *   written, NaN, infinities and signed zeros included. Only rewrites that give the same bits for
 *   every input are made (constant folding, {@code x*1 = x}, {@code --x = x}, ...). Inside
 *   derivatives, which have no evaluation order of their own, constants are also combined
 *   ({@code 5*(4*x) = 20*x}, when the product is finite), and a derivative's structural zeros
 *   drop out of sums and products.
 *   <li>{@link #FAST}: also the rewrites that assume finite values: {@code x*0 = 0},
 *   {@code x-x = 0}, {@code 0/x = 0}, {@code log(exp x) = x}, {@code 1^x = 1}, constants combined
 *   everywhere, {@code x+0 = x} for either zero. Smaller graphs; NaN or infinity may become 0.
 * </ul>
 */
public enum Arithmetic {
    IEEE,
    FAST
}
