package dev.nabla.compiler.ir;

/**
 * How the simplifier may rewrite a graph's arithmetic as nodes are built.
 *
 * <ul>
 *   <li>{@link #IEEE} (the default): a graph computes what IEEE 754 arithmetic gives for the ops as
 *   written, NaN, infinities and signed zeros included. Only rewrites that give the same bits for
 *   every input are made (constant folding, {@code x*1 = x}, {@code --x = x}, {@code x+x = 2x},
 *   ...). Inside derivatives, which have no evaluation order of their own, rewrites that change
 *   only rounding are also made: constants combined ({@code 5*(4*x) = 20*x}, when the product is
 *   a normal number), like terms collected ({@code 2x + 3x = 5x}, {@code a*u + b*u = (a+b)*u}),
 *   {@code x*x = x^2}; and a derivative's structural zeros drop out of sums and products.
 *   <li>{@link #FAST}: those everywhere, and the rewrites that assume finite values:
 *   {@code x*0 = 0}, {@code x-x = 0}, {@code 0/x = 0}, {@code log(exp x) = x}, {@code 1^x = 1},
 *   {@code x+0 = x} for either zero. Smaller graphs; NaN or infinity may become 0.
 * </ul>
 */
public enum Arithmetic {
    IEEE,
    FAST
}
