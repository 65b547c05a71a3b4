package dev.nabla;

import dev.nabla.core.NDArray;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link GradCheck} found: how many analytic derivatives it compared with numeric ones,
 * and each that did not match, with the inputs it checked at.
 *
 * @param name        the check's name
 * @param comparisons analytic-versus-numeric comparisons made (so an empty check shows)
 * @param mismatches  every derivative that did not match, in the order checked
 * @param inputs      each input's name and the values the check was made at
 */
public record GradCheckReport(String name, int comparisons, List<Mismatch> mismatches, Map<String, NDArray> inputs) {
    /** Mismatches shown in the summary; the rest are counted. */
    private static final int SHOWN = 25;

    /** Copies the mismatches and the inputs. */
    public GradCheckReport {
        mismatches = List.copyOf(mismatches);
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** Which comparison failed. */
    public enum Kind {
        /** A vjp (reverse mode) element against differences in one input element. */
        REVERSE,
        /** A jvp (forward mode) element against differences along the tangent. */
        FORWARD,
        /** {@code sum_i <vjp_i, t_i>} against {@code <w, jvp>}: the two modes disagree. */
        CONSISTENCY,
        /** A function value or numeric derivative that is NaN or infinite: nothing to compare. */
        NOT_FINITE
    }

    /**
     * One derivative that did not match.
     *
     * @param order      the derivative's order
     * @param link       the function differentiated: "f", or the chain link ("reverse chain F1 = ...")
     * @param kind       which comparison
     * @param input      for {@link Kind#REVERSE}, the input differentiated against; else null
     * @param index      the element: of that input for REVERSE, of the output for FORWARD; else empty
     * @param analytic   Nabla's derivative (NaN where there is none)
     * @param numeric    the extrapolated finite difference (NaN where there is none)
     * @param tolerance  the bound |analytic - numeric| exceeded
     * @param message    all of this in one line
     */
    public record Mismatch(int order, String link, Kind kind, String input, List<Integer> index, double analytic,
                           double numeric, double tolerance, String message) {
        /** Copies the index. */
        public Mismatch {
            index = List.copyOf(index);
        }

        @Override
        public String toString() {
            return message;
        }
    }

    /** {@return whether every derivative matched} */
    public boolean passed() {
        return mismatches.isEmpty();
    }

    /**
     * {@return this report when every derivative matched}
     *
     * @throws GradCheckError carrying this report, when one did not
     */
    public GradCheckReport orThrow() {
        if (!passed()) {
            throw new GradCheckError(this);
        }
        return this;
    }

    /** A summary: the verdict, the first mismatches and the inputs. */
    @Override
    public String toString() {
        if (passed()) {
            return "gradcheck '" + name + "' passed (" + comparisons + " comparisons)";
        }
        StringBuilder sb = new StringBuilder("gradcheck '" + name + "' failed (" + mismatches.size()
                + " mismatches; tolerance |analytic - numeric| <= 2 truncation + 2 rounding + cancellation"
                + " + rtol*|numeric| + atol):\n");
        mismatches.stream().limit(SHOWN).forEach(m -> sb.append("  ").append(m.message()).append('\n'));
        if (mismatches.size() > SHOWN) {
            sb.append("  ... ").append(mismatches.size() - SHOWN).append(" more\n");
        }
        inputs.forEach((input, value) -> sb.append("  input ").append(input).append(value.shape()).append(" = ")
                .append(Arrays.toString(value.toDoubleArray())).append('\n'));
        return sb.toString();
    }
}
