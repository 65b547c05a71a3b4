package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.optim.Optimizers;
import dev.nabla.core.NDArray;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Minimizes f(a) = 3a^2 + 6a - 9 from a = 10 with SGD (lr 0.1, 20 steps). The whole step
 * (f, its gradient and the update of a) is one compiled program; a stays in the backend
 * between steps until it is read. Then plots f over [-5, 5] with the point reached.
 */
public final class SgdMinimize {
    static Tensor f(Tensor x) {
        return x.pow(2).mul(3).add(x.mul(6)).sub(9);
    }

    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0f);
            float reached;
            try (var sgd = Optimizers.sgd(0.1).minimize(f(a))) {
                for (int step = 0; step < 20; step++) {
                    sgd.step();
                }
                reached = sgd.parameter(a).getFloat(0);
            }
            System.out.printf("a = %.8f   (the minimum is at a = -1)%n", reached);

            // The curve: the same f, evaluated on 101 points at once.
            Tensor x = g.input("x", 101);
            double[] xs = IntStream.rangeClosed(0, 100).mapToDouble(i -> -5 + i * 0.1).toArray();
            float[] xf = new float[xs.length];
            for (int i = 0; i < xs.length; i++) {
                xf[i] = (float) xs[i];
            }
            var run = g.compile();
            double[] ys = run.eval(Map.of(x, NDArray.of(xf, 101).to(run.device())), f(x)).get(0).toDoubleArray();
            double fa = 3.0 * reached * reached + 6.0 * reached - 9;

            var chart = Plots.chart("SGD on f(a) = 3a² + 6a − 9", "a", "f(a)");
            chart.addSeries("f", xs, ys).setMarker(SeriesMarkers.NONE);
            XYSeries end = chart.addSeries("after 20 steps", new double[] {reached}, new double[] {fa});
            end.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            end.setMarker(SeriesMarkers.TRIANGLE_UP);
            chart.getStyler().setMarkerSize(20);
            System.out.println("plot: " + Plots.save(chart, "sgd-minimize"));
        }
    }
}
