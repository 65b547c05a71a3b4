package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.ConvOptions;
import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Declarations;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Scope;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Convolutional workloads, f32, as bench/pytorch/cnn.py and bench/jax/cnn.py run them:
 * <ul>
 *   <li>a LeNet-5 training step (conv 1→6 5x5, relu, max pool 2, conv 6→16 5x5, relu, max pool
 *       2, linear 256→120→84→10 with relu, cross-entropy with integer labels, Adam), batch 64 of
 *       1×28×28;</li>
 *   <li>a ResNet basic block (conv 3x3 64→64, batch norm, relu, conv, batch norm, the input added,
 *       relu), forward and the gradients of its output's sum with respect to every parameter and
 *       the input, batch 8 of 64×56×56;</li>
 *   <li>conv2d 3x3 64→64 with padding 1 forward on 8×64×56×56;</li>
 *   <li>a text classifier training step: embedding (vocabulary 20,000, dimension 64) of 64
 *       sequences of 50 ids, mean over the sequence, linear 64→4, cross-entropy, Adam.</li>
 * </ul>
 * The thread count comes from -Dnabla.threads (bench/run-cnn.sh runs 1 and 2). Warm-up is 20
 * seconds: pinned to one core, the JIT's compiler threads share it with the steps, and the
 * LeNet-5 step was still falling (3.8, 3.4, 3.4, 2.7, 2.6 ms) through the measurement after 10.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class CnnBenchmark {

    /** conv, bn, relu, conv, bn, plus the input, relu: ResNet's basic block with 64 channels. */
    record BasicBlock(int channels) implements Layer {
        @Override
        public void declare(Declarations d) {
            ConvOptions same = ConvOptions.defaults().padding(1);
            new Conv2d(channels, channels, 3, same, false).declare(d.child("conv1"));
            new BatchNorm2d(channels).declare(d.child("bn1"));
            new Conv2d(channels, channels, 3, same, false).declare(d.child("conv2"));
            new BatchNorm2d(channels).declare(d.child("bn2"));
        }

        @Override
        public Tensor forward(Tensor x, Scope s) {
            ConvOptions same = ConvOptions.defaults().padding(1);
            Conv2d conv = new Conv2d(channels, channels, 3, same, false);
            BatchNorm2d bn = new BatchNorm2d(channels);
            Tensor h = bn.forward(conv.forward(x, s.child("conv1")), s.child("bn1")).relu();
            return bn.forward(conv.forward(h, s.child("conv2")), s.child("bn2")).add(x).relu();
        }
    }

    private Graph graph;
    private Trainer lenet;
    private Map<Tensor, NDArray> lenetBatch;
    private CompiledGraph.PreparedRun block;
    private CompiledGraph.PreparedRun conv;
    private Map<Tensor, NDArray> blockInput;
    private Map<Tensor, NDArray> convInput;
    private Trainer text;
    private Map<Tensor, NDArray> textBatch;

    @Setup
    public void build() {
        Random random = new Random(3);
        graph = Graph.create();
        var leNet5 = Sequential.of(new Conv2d(1, 6, 5), Layers.relu(), Layers.maxPool2d(2),
                new Conv2d(6, 16, 5), Layers.relu(), Layers.maxPool2d(2), Layers.flatten(),
                new Linear(256, 120), Layers.relu(), new Linear(120, 84), Layers.relu(), new Linear(84, 10));
        Model net = Model.create(graph, "lenet", leNet5, 1);
        Tensor images = graph.input("images", 64, 1, 28, 28);
        Tensor labels = graph.input("labels", DType.I32, 64);
        lenet = Optimizers.adam(1e-3).minimize(Nabla.crossEntropy(net.forward(images), labels));
        double[] y = new double[64];
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextInt(10);
        }
        lenetBatch = Map.of(images, BenchData.gaussian(random, 1, 64, 1, 28, 28),
                labels, NDArray.fromDoubles(DType.I32, Shape.of(64), y));

        Model resnet = Model.create(graph, "resnet", new BasicBlock(64), 2);
        Tensor x = graph.input("x", 8, 64, 56, 56);
        Tensor out = resnet.forward(x);
        Tensor sum = out.sum();
        List<Tensor> wrt = new java.util.ArrayList<>(resnet.parameters().values());
        wrt.add(x);
        List<Tensor> outputs = new java.util.ArrayList<>(List.of(sum));
        outputs.addAll(sum.grad(wrt));
        CompiledGraph compiled = graph.compile(Device.of("jvm:cpu"));
        block = compiled.prepare(outputs, Map.of());
        blockInput = Map.of(x, BenchData.gaussian(random, 1, 8, 64, 56, 56));

        Tensor xc = graph.input("xc", 8, 64, 56, 56);
        Tensor w = graph.parameter("w", BenchData.gaussian(random, 0.05f, 64, 64, 3, 3));
        conv = compiled.prepare(List.of(Nabla.conv2d(xc, w, null, ConvOptions.defaults().padding(1))), Map.of());
        convInput = Map.of(xc, BenchData.gaussian(random, 1, 8, 64, 56, 56));

        Layer bagOfWords = Sequential.of(new Embedding(20_000, 64), (t, s) -> t.mean(1), new Linear(64, 4));
        Model classifier = Model.create(graph, "text", bagOfWords, 4);
        Tensor ids = graph.input("ids", DType.I32, 64, 50);
        Tensor classes = graph.input("classes", DType.I32, 64);
        text = Optimizers.adam(1e-3).minimize(Nabla.crossEntropy(classifier.forward(ids), classes));
        double[] idValues = new double[64 * 50];
        for (int i = 0; i < idValues.length; i++) {
            idValues[i] = random.nextInt(20_000);
        }
        double[] classValues = new double[64];
        for (int i = 0; i < classValues.length; i++) {
            classValues[i] = random.nextInt(4);
        }
        textBatch = Map.of(ids, NDArray.fromDoubles(DType.I32, Shape.of(64, 50), idValues),
                classes, NDArray.fromDoubles(DType.I32, Shape.of(64), classValues));
    }

    @TearDown
    public void close() {
        lenet.close();
        text.close();
        graph.close();
    }

    @Benchmark
    public NDArray leNet5TrainingStep() {
        return lenet.step(lenetBatch);
    }

    @Benchmark
    public List<NDArray> resNetBlockForwardBackward() {
        return block.run(blockInput);
    }

    @Benchmark
    public NDArray textClassifierTrainingStep() {
        return text.step(textBatch);
    }

    @Benchmark
    public List<NDArray> conv3x3Forward() {
        return conv.run(convInput);
    }
}
