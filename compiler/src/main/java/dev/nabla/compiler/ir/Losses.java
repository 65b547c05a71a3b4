package dev.nabla.compiler.ir;

import dev.nabla.core.DType;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;

/** Losses over integer labels, as PyTorch defines them: composites, so every derivative order works. */
public final class Losses {
    private Losses() {}

    /**
     * PyTorch's cross_entropy of logits [N, C] and i32 labels [N], averaged over the rows whose
     * label is not {@code ignoreIndex}; with {@code smoothing} ε each row's target is (1 − ε) on
     * its label and ε/C on every class. A label outside [0, C) other than ignoreIndex makes the
     * loss NaN (PyTorch raises), so that it cannot pass unnoticed.
     */
    public static Node crossEntropy(Node logits, Node labels, int ignoreIndex, double smoothing) {
        check("crossEntropy", logits, labels);
        return negativeLogLikelihood("crossEntropy", logSoftmax(logits, 1), labels, ignoreIndex, smoothing);
    }

    /**
     * PyTorch's nll_loss of log-probabilities [N, C] and i32 labels [N]: the mean of −logp at
     * each row's label over the rows not labelled {@code ignoreIndex}; an out-of-range label
     * makes it NaN, as in {@link #crossEntropy}.
     */
    public static Node nllLoss(Node logp, Node labels, int ignoreIndex) {
        check("nllLoss", logp, labels);
        return negativeLogLikelihood("nllLoss", logp, labels, ignoreIndex, 0);
    }

    private static void check(String op, Node scores, Node labels) {
        if (scores.rank() != 2 || labels.rank() != 1 || labels.shape().dim(0) != scores.shape().dim(0)) {
            throw new ShapeException(op + ": needs scores [N, C] and labels [N], got " + scores.describe()
                    + " and " + labels.describe());
        }
        Statistics.requireFloating(op, scores);
        if (labels.dtype() != DType.I32) {
            throw new DTypeException(op + ": the labels must be i32, got " + labels.describe());
        }
    }

    private static Node negativeLogLikelihood(String op, Node logp, Node labels, int ignoreIndex, double smoothing) {
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new ShapeException(op + ": label smoothing must be in [0, 1], got " + smoothing);
        }
        int classes = logp.shape().dim(1);
        Node ignored = compare(CompareFn.EQ, labels, scalarLike(labels, ignoreIndex));
        Node kept = sub(scalarLike(logp, 1), cast(ignored, logp.dtype()));
        // A label outside [0, C) (the ignored ones among them) reads class 0 instead of failing the
        // gather; a kept row with such a label is made NaN below.
        Node outside = add(cast(compare(CompareFn.LT, labels, scalarLike(labels, 0)), logp.dtype()),
                cast(compare(CompareFn.GE, labels, scalarLike(labels, classes)), logp.dtype()));
        Node safe = where(compare(CompareFn.GT, outside, 0.0), scalarLike(labels, 0), labels);
        // The label's log-probability by a gather: O(N), where a one-hot product reads all N*C.
        Node picked = reshape(takeAlongAxis(logp, unsqueeze(safe, 1), 1), labels.shape());
        Node nll = neg(picked);
        Node row = smoothing == 0 ? nll : add(mul(nll, 1 - smoothing),
                mul(neg(mean(logp, new int[] {1}, false)), smoothing));
        Node bad = mul(kept, outside);
        Node checked = where(compare(CompareFn.GT, bad, 0.0), Double.NaN, row);
        return div(sum(where(ignored, 0.0, checked), new int[] {0}, false), sum(kept, new int[] {0}, false));
    }
}
