package dev.nabla.compiler.ir;

/**
 * Rules that give both derivatives and change how they are built, not what they are (a barrier,
 * a checkpoint): Taylor mode may differentiate such a function's primal itself.
 */
public interface TransparentRule extends CustomRule {
    @Override
    default boolean hasJvp() {
        return true;
    }

    @Override
    default boolean hasVjp() {
        return true;
    }

    @Override
    default boolean transparent() {
        return true;
    }
}
