package dev.nabla.data;

import dev.nabla.core.NablaException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A console progress bar: {@code "epoch [#####...............]  5/20  loss 0.1234"}. By default
 * each update prints one plain line (logs and captured output stay clean); {@link #inPlace}
 * redraws a single terminal line instead, with a carriage return and an ANSI erase-line.
 *
 * <pre>{@code
 * var bar = ProgressBar.to(System.out, epochs).label("epoch");
 * for (int e = 1; e <= epochs; e++) {
 *     double loss = train(e);
 *     bar.update(e, "loss %.4f", loss);        // epoch [#...................]  1/30  loss 1.5954
 * }
 * }</pre>
 */
public final class ProgressBar {
    private static final String ERASE_LINE = "\033[K";

    private final PrintStream out;
    private final int total;
    private final String label;
    private final int width;
    private final boolean inPlace;
    private final int every;

    private ProgressBar(PrintStream out, int total, String label, int width, boolean inPlace, int every) {
        this.out = out;
        this.total = total;
        this.label = label;
        this.width = width;
        this.inPlace = inPlace;
        this.every = every;
    }

    /**
     * {@return a bar of {@code total} steps printed to {@code out}: no label, 20 characters wide, a line per update}
     *
     * @param out   where to print
     * @param total the number of steps, 0 or more
     * @throws dev.nabla.core.NablaException if {@code out} is null or {@code total} negative
     */
    public static ProgressBar to(PrintStream out, int total) {
        if (out == null) {
            throw new NablaException("ProgressBar.to: the stream is null");
        }
        if (total < 0) {
            throw new NablaException("ProgressBar.to: the total must be 0 or more, got " + total);
        }
        return new ProgressBar(out, total, "", 20, false, 1);
    }

    /**
     * {@return this bar with text before it, such as "epoch"}
     *
     * @param text the label; null for none
     */
    public ProgressBar label(String text) {
        return new ProgressBar(out, total, text == null ? "" : text, width, inPlace, every);
    }

    /**
     * {@return this bar with another width in characters between the brackets}
     *
     * @param characters 1 to 1000
     */
    public ProgressBar width(int characters) {
        if (characters < 1 || characters > 1000) {
            throw new NablaException("ProgressBar.width: needs 1 to 1000 characters, got " + characters);
        }
        return new ProgressBar(out, total, label, characters, inPlace, every);
    }

    /**
     * Whether to redraw one line ("\r" and ANSI erase-line, a newline when done) rather than print
     * a line per update: for an interactive terminal, not for logs.
     *
     * @param redraw true to redraw one line
     * @return this bar, redrawing or not
     */
    public ProgressBar inPlace(boolean redraw) {
        return new ProgressBar(out, total, label, width, redraw, every);
    }

    /**
     * {@return this bar showing only every n-th step (and the last): a bar over many batches without a line each}
     *
     * @param n at least 1
     */
    public ProgressBar every(int n) {
        if (n < 1) {
            throw new NablaException("ProgressBar.every: needs n >= 1, got " + n);
        }
        return new ProgressBar(out, total, label, width, inPlace, n);
    }

    /**
     * {@return the bar's text at {@code done} of the total steps, then the metrics (if any), without line ends}
     *
     * @param done    the steps done, from 0 to the total
     * @param metrics text after the bar; null or empty for none
     * @throws dev.nabla.core.NablaException if {@code done} is out of range
     */
    public String render(int done, String metrics) {
        if (done < 0 || done > total) {
            throw new NablaException("ProgressBar: " + done + " steps done is outside 0 to " + total);
        }
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        String count = String.valueOf(total);
        var line = new StringBuilder();
        if (!label.isEmpty()) {
            line.append(label).append(' ');
        }
        line.append('[').append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ")
                .append(" ".repeat(count.length() - String.valueOf(done).length())).append(done).append('/').append(count);
        if (metrics != null && !metrics.isEmpty()) {
            line.append("  ").append(metrics);
        }
        return line.toString();
    }

    /**
     * Shows {@code done} steps.
     *
     * @param done the steps done, from 0 to the total
     */
    public void update(int done) {
        update(done, "");
    }

    /**
     * Shows {@code done} steps and metrics: {@code String.format(Locale.ROOT, format, args)}, or
     * {@code format} as it is when there are no arguments.
     *
     * @param done   the steps done, from 0 to the total
     * @param format the metrics, or their format
     * @param args   the format's arguments
     */
    public void update(int done, String format, Object... args) {
        String metrics = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        String line = render(done, metrics);
        boolean last = done == total;
        if (!last && done % every != 0) {
            return;
        }
        if (inPlace) {
            out.print("\r" + line + ERASE_LINE + (last ? System.lineSeparator() : ""));
            out.flush();
        } else {
            out.println(line);
        }
    }
}
