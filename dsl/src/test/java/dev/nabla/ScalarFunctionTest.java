package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.core.NablaException;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScalarFunctionTest {
    private static Device device(String backend) {
        return Device.host(backend);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void seedDerivativesAsFunctionsOfDoubles(String backend) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor y = g.input("y");
            Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
            List<Tensor> dz = z.grad(x, y);
            var run = g.compile(device(backend));
            ScalarFunction dy = run.function(x.pow(2).grad(x), x);
            assertEquals(10.0, dy.apply(5.0));
            assertEquals(-4.0, dy.apply(-2.0));
            assertEquals(8.0, run.function(dz.get(0), x, y).apply(1.0, 1.0));
            assertEquals(16.0, run.function(dz.get(1), x, y).apply(1.0, 1.0));
            // Arguments in the order given, whatever order the program reads them in.
            double byEval = run.eval(Map.of(x, NDArray.scalar(2.0f), y, NDArray.scalar(0.5f)), dz.get(1)).get(0).item();
            assertEquals(byEval, run.function(dz.get(1), y, x).apply(0.5, 2.0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void parametersTakeTheirCurrentValue(String backend) {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 2.0);
            Tensor x = g.input("x", dev.nabla.core.DType.F64);
            var run = g.compile(device(backend));
            ScalarFunction f = run.function(a.mul(x), x);
            assertEquals(6.0, f.apply(3.0));
            run.setParameter(a, NDArray.scalar(10.0));
            assertEquals(30.0, f.apply(3.0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void badUse(String backend) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor v = g.input("v", 3);
            var run = g.compile(device(backend));
            assertThat(assertThrows(NablaException.class, () -> run.function(v.sum(), v)).getMessage())
                    .contains("function:").contains("not a single number");
            assertThat(assertThrows(NablaException.class, () -> run.function(x.mul(2))).getMessage())
                    .contains("needs input 'x'");
            assertThat(assertThrows(NablaException.class, () -> run.function(x.mul(2), x).apply(1, 2)).getMessage())
                    .contains("expects 1 arguments, got 2");
        }
    }
}
