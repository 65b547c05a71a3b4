package dev.nabla.compiler.io;

import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import java.util.Locale;

/**
 * The names a saved graph is written with (docs/graph-format.md describes the whole format). The
 * version goes up whenever a file of the new version could be misread by an older reader; readers
 * refuse versions newer than their own.
 */
final class GraphFormat {
    private GraphFormat() {}

    static final String FORMAT = "nabla-graph";
    static final int VERSION = 1;

    static String name(DType dtype) {
        return dtype.toString();
    }

    /** The dtype named {@code name}, or null. */
    static DType dtype(String name) {
        for (DType d : DType.values()) {
            if (d.toString().equals(name)) {
                return d;
            }
        }
        return null;
    }

    static String name(Arithmetic arithmetic) {
        return arithmetic.name().toLowerCase(Locale.ROOT);
    }

    /** The arithmetic named {@code name}, or null. */
    static Arithmetic arithmetic(String name) {
        for (Arithmetic a : Arithmetic.values()) {
            if (name(a).equals(name)) {
                return a;
            }
        }
        return null;
    }

    static String name(Distribution dist) {
        return switch (dist) {
            case Distribution.Bits b -> "bits";
            case Distribution.Uniform u -> "uniform";
            case Distribution.Normal n -> "normal";
            case Distribution.Permutation p -> "permutation";
            case Distribution.Split s -> "split";
            case Distribution.Next n -> "next";
            case Distribution.FoldIn f -> "foldIn";
        };
    }

    /** The distribution named {@code name} ({@code fold} is foldIn's data), or null. */
    static Distribution distribution(String name, int fold) {
        return switch (name) {
            case "bits" -> new Distribution.Bits();
            case "uniform" -> new Distribution.Uniform();
            case "normal" -> new Distribution.Normal();
            case "permutation" -> new Distribution.Permutation();
            case "split" -> new Distribution.Split();
            case "next" -> new Distribution.Next();
            case "foldIn" -> new Distribution.FoldIn(fold);
            default -> null;
        };
    }

    /** The constant of enum {@code type} named {@code name}, or null. */
    static <E extends Enum<E>> E constant(Class<E> type, String name) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
