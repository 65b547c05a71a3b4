package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;

/** torch.nn.utils.clip_grad_norm_ and clip_grad_value_, as graph transformations of the gradients. */
final class GradientClipping {
    private GradientClipping() {}

    static List<Tensor> apply(List<Tensor> grads, Double maxNorm, Double clipValue) {
        List<Tensor> out = grads;
        if (clipValue != null) {
            out = out.stream().map(g -> g.maximum(g.graph().constant(-clipValue).cast(g.dtype()))
                    .minimum(g.graph().constant(clipValue).cast(g.dtype()))).toList();
        }
        if (maxNorm != null && !out.isEmpty()) {
            // total = sqrt(sum of squared per-tensor norms); coef = maxNorm / (total + 1e-6), at most 1.
            Tensor sumOfSquares = null;
            for (Tensor g : out) {
                Tensor sq = g.mul(g).sum().cast(out.get(0).dtype());
                sumOfSquares = sumOfSquares == null ? sq : sumOfSquares.add(sq);
            }
            Tensor coef = sumOfSquares.sqrt().add(1e-6).rdiv(maxNorm);
            coef = coef.minimum(coef.graph().constant(1.0).cast(coef.dtype()));
            List<Tensor> scaled = new ArrayList<>();
            for (Tensor g : out) {
                scaled.add(g.mul(coef.cast(g.dtype())));
            }
            out = scaled;
        }
        return out;
    }
}
