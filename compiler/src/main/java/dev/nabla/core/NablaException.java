package dev.nabla.core;

/**
 * Bad input to Nabla: a shape, dtype, axis, feed or graph that the called op cannot accept.
 * The message names the op, what it was given and what would be valid.
 */
public class NablaException extends IllegalArgumentException {
    /**
     * An exception with a message that names the op, what it was given and what would be valid.
     *
     * @param message the message
     */
    public NablaException(String message) {
        super(message);
    }

    /** Shapes that do not fit the op: broadcasting, matmul, reshape, concat. */
    public static final class ShapeException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the op and the shapes
         */
        public ShapeException(String message) {
            super(message);
        }
    }

    /** Element types that do not fit the op, such as f32 mixed with f64. */
    public static final class DTypeException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the op and the dtypes
         */
        public DTypeException(String message) {
            super(message);
        }
    }

    /** An axis (or permutation) outside the rank of the tensor. */
    public static final class AxisException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the op, the axis and the rank
         */
        public AxisException(String message) {
            super(message);
        }
    }

    /** An element index outside an array: the message names the index, the size and the shape. */
    public static final class IndexException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the index, the size and the shape
         */
        public IndexException(String message) {
            super(message);
        }
    }

    /** A value fed to a run: missing, of the wrong shape or dtype, or not finite when checked. */
    public static final class FeedException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the input and what it expects
         */
        public FeedException(String message) {
            super(message);
        }
    }

    /** Tensors from two different graphs, or a derivative with respect to a non-variable. */
    public static final class GraphException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the tensors or graphs involved
         */
        public GraphException(String message) {
            super(message);
        }
    }

    /**
     * A custom function's derivative rule returned what does not fit (the wrong number of tensors,
     * null, a tensor of another graph, the wrong shape or dtype), or a derivative needs a rule the
     * function lacks. The message names the function, the rule and the shapes.
     */
    public static final class RuleException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the function, the rule and the shapes
         */
        public RuleException(String message) {
            super(message);
        }
    }

    /**
     * A saved graph that cannot be read: not JSON, truncated, of a newer format version, over one of
     * the reader's limits, or describing a graph that the ops refuse. The message names the place
     * (line, node, field) and what is wrong; a refusal by an op keeps the op's exception as cause.
     */
    public static final class GraphFileException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the place in the file
         */
        public GraphFileException(String message) {
            super(message);
        }

        /**
         * An exception for a graph that an op refused while it was read.
         *
         * @param message what is wrong, naming the place in the file
         * @param cause   the op's own exception
         */
        public GraphFileException(String message, Throwable cause) {
            super(message);
            initCause(cause);
        }
    }

    /** Values or programs on different devices used together, or a device that is not present. */
    public static final class DeviceException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong, naming the devices involved
         */
        public DeviceException(String message) {
            super(message);
        }
    }

    /**
     * A run produced NaN or infinity while anomaly detection was on: the message names the node
     * where the value first appears, its op and shapes, and where the user built it.
     */
    public static final class AnomalyException extends NablaException {
        /** Where the node that first produced the value was built (a stack frame), or null. */
        private final String site;

        /**
         * An exception for a value that is not finite.
         *
         * @param message names the node, its op and shapes
         * @param site    where the node was built (a stack frame), or null if unknown
         */
        public AnomalyException(String message, String site) {
            super(message);
            this.site = site;
        }

        /** {@return where the node that first produced the value was built (a stack frame), or null} */
        public String site() {
            return site;
        }
    }

    /** A file that is not what its reader expects: truncated, corrupted, of a newer version, or hostile. */
    public static final class FormatException extends NablaException {
        /**
         * An exception with this message.
         *
         * @param message what is wrong with the file, and where
         */
        public FormatException(String message) {
            super(message);
        }

        /**
         * With what the reader underneath threw (a corrupt gzip stream, a CSV parser's error).
         *
         * @param message what is wrong with the file, and where
         * @param cause   the reader's own exception
         */
        public FormatException(String message, Throwable cause) {
            super(message);
            initCause(cause);
        }
    }
}
