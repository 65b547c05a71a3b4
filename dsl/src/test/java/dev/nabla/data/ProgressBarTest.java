package dev.nabla.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.core.NablaException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The progress bar's text, one plain line per update unless redrawing is asked for. */
class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void rendersTheFilledShareTheCountAndTheMetrics() {
        var bar = ProgressBar.to(out, 40).width(10);
        assertThat(bar.render(0, "")).isEqualTo("[..........]  0/40");
        assertThat(bar.render(12, "")).isEqualTo("[###.......] 12/40");
        assertThat(bar.render(39, null)).isEqualTo("[#########.] 39/40");
        assertThat(bar.render(40, "loss 0.1")).isEqualTo("[##########] 40/40  loss 0.1");
        assertThat(ProgressBar.to(out, 30).label("epoch").render(15, "loss 0.0348"))
                .isEqualTo("epoch [##########..........] 15/30  loss 0.0348");
        assertThat(ProgressBar.to(out, 0).width(4).render(0, "")).isEqualTo("[####] 0/0");
    }

    @Test
    void printsOneLinePerUpdateWithFormattedMetricsAndNoEscapes() {
        var bar = ProgressBar.to(out, 3).width(6).label("epoch");
        bar.update(1, "loss %.4f  %,d images/s", 1.59537, 12345);
        bar.update(2);
        bar.update(3, "done 100%");
        assertThat(printed()).isEqualTo("epoch [##....] 1/3  loss 1.5954  12,345 images/s\n"
                + "epoch [####..] 2/3\n" + "epoch [######] 3/3  done 100%\n");
        assertThat(printed()).doesNotContain("\r", "\033");
    }

    @Test
    void everyPrintsOnlyEachNthStepAndTheLast() {
        var bar = ProgressBar.to(out, 7).width(7).every(3);
        for (int i = 1; i <= 7; i++) {
            bar.update(i);
        }
        assertThat(printed()).isEqualTo("[###....] 3/7\n[######.] 6/7\n[#######] 7/7\n");
    }

    @Test
    void inPlaceRedrawsOneLineAndEndsItWhenDone() {
        var bar = ProgressBar.to(out, 2).width(2).inPlace(true);
        bar.update(1, "a");
        bar.update(2, "b");
        assertThat(printed()).isEqualTo("\r[#.] 1/2  a\033[K\r[##] 2/2  b\033[K" + System.lineSeparator());
    }

    @Test
    void badArgumentsAreRefused() {
        var bar = ProgressBar.to(out, 5);
        assertThatThrownBy(() -> bar.update(6)).isInstanceOf(NablaException.class)
                .hasMessageContaining("6 steps done is outside 0 to 5");
        assertThatThrownBy(() -> bar.render(-1, "")).isInstanceOf(NablaException.class);
        assertThatThrownBy(() -> ProgressBar.to(out, -1)).hasMessageContaining("total must be 0 or more");
        assertThatThrownBy(() -> ProgressBar.to(null, 1)).hasMessageContaining("stream is null");
        assertThatThrownBy(() -> bar.width(0)).hasMessageContaining("1 to 1000 characters");
        assertThatThrownBy(() -> bar.every(0)).hasMessageContaining("n >= 1");
        assertThat(printed()).isEmpty();
    }
}
