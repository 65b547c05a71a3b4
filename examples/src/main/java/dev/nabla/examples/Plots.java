package dev.nabla.examples;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Where the examples write their PNG plots, and the chart style they share. */
final class Plots {
    private Plots() {}

    static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(900).height(600).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setChartBackgroundColor(new Color(240, 255, 255)); // azure, like the seed's figure
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    /** Saves the chart as target/plots/NAME.png under the working directory; returns the path. */
    static Path save(XYChart chart, String name) {
        try {
            Path dir = Path.of("target", "plots");
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".png").toAbsolutePath();
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the plot " + name, e);
        }
    }
}
