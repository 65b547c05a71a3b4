package dev.nabla.core;

/**
 * How a Jacobian is formed ({@code Nabla.jacobian}): batched reverse mode, batched forward mode,
 * or chosen by shape.
 */
public enum JacobianMode {
    /** One vjp per output, batched over its elements (JAX's jacrev): best for few outputs. */
    REVERSE,
    /** One jvp per variable, batched over its elements (JAX's jacfwd): best for few inputs. */
    FORWARD,
    /** Reverse when the outputs have no more elements than the variables, else forward. */
    AUTO
}
