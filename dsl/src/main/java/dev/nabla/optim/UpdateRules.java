package dev.nabla.optim;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/**
 * The update rules as graphs, transcribed from PyTorch 1.13's single-tensor implementations
 * (torch/optim/{sgd,adam,adamw,rmsprop,adagrad}.py) so that trajectories match step by step.
 * PyTorch's {@code x.add(y, alpha=a)} is a fused multiply-add on the CPU, so it is {@code fma}
 * here: in float32 that is the difference between matching PyTorch bit for bit and drifting by
 * an ulp per step.
 */
final class UpdateRules {
    private UpdateRules() {}

    static void apply(Optimizer optimizer, ParamSlot s) {
        switch (optimizer) {
            case Sgd o -> sgd(o, s);
            case Adam o -> adam(o, s);
            case RMSprop o -> rmsprop(o, s);
            case Adagrad o -> adagrad(o, s);
        }
    }

    private static Tensor direction(ParamSlot s, boolean maximize, double weightDecay) {
        Tensor g = maximize ? s.grad.neg() : s.grad;
        return weightDecay != 0 ? s.param.fma(weightDecay, g) : g;
    }

    private static void sgd(Sgd o, ParamSlot s) {
        Tensor g = direction(s, o.maximize(), o.weightDecay());
        if (o.momentum() != 0) {
            Tensor buf = s.state("momentum_buffer", 0);
            // The first step starts the buffer at the gradient itself, undamped.
            Tensor next = Nabla.where(s.step.eq(1), g, g.fma(1 - o.dampening(), buf.mul(o.momentum())));
            s.assign(buf, next);
            g = o.nesterov() ? next.fma(o.momentum(), g) : next;
        }
        s.assign(s.param, g.fma(s.typed(s.lr).neg(), s.param));
    }

    private static void adam(Adam o, ParamSlot s) {
        Tensor g = direction(s, o.maximize(), o.decoupled() ? 0 : o.weightDecay());
        Tensor p = o.decoupled() && o.weightDecay() != 0
                ? s.param.mul(s.typed(s.lr.mul(o.weightDecay()).rsub(1))) : s.param;
        Tensor m = s.state("exp_avg", 0);
        Tensor v = s.state("exp_avg_sq", 0);
        Tensor mNext = g.fma(1 - o.beta1(), m.mul(o.beta1()));
        Tensor vNext = v.mul(o.beta2()).add(g.mul(g).mul(1 - o.beta2()));
        s.assign(m, mNext);
        s.assign(v, vNext);
        Tensor biasCorrection1 = s.graph().constant(o.beta1()).pow(s.step).rsub(1);
        Tensor biasCorrection2 = s.graph().constant(o.beta2()).pow(s.step).rsub(1);
        Tensor stepSize = s.typed(s.lr.div(biasCorrection1));
        Tensor second = vNext;
        if (o.amsgrad()) {
            Tensor vMax = s.state("max_exp_avg_sq", 0);
            second = vMax.maximum(vNext);
            s.assign(vMax, second);
        }
        Tensor denom = second.sqrt().div(s.typed(biasCorrection2.sqrt())).add(o.eps());
        s.assign(s.param, p.sub(stepSize.mul(mNext.div(denom))));
    }

    private static void rmsprop(RMSprop o, ParamSlot s) {
        Tensor g = direction(s, o.maximize(), o.weightDecay());
        Tensor sq = s.state("square_avg", 0);
        Tensor sqNext = sq.mul(o.alpha()).add(g.mul(g).mul(1 - o.alpha()));
        s.assign(sq, sqNext);
        Tensor avg;
        if (o.centered()) {
            Tensor ga = s.state("grad_avg", 0);
            Tensor gaNext = g.fma(1 - o.alpha(), ga.mul(o.alpha()));
            s.assign(ga, gaNext);
            avg = sqNext.sub(gaNext.mul(gaNext)).sqrt().add(o.eps());
        } else {
            avg = sqNext.sqrt().add(o.eps());
        }
        if (o.momentum() > 0) {
            Tensor buf = s.state("momentum_buffer", 0);
            Tensor bufNext = buf.mul(o.momentum()).add(g.div(avg));
            s.assign(buf, bufNext);
            s.assign(s.param, bufNext.fma(s.typed(s.lr).neg(), s.param));
        } else {
            s.assign(s.param, s.param.sub(s.typed(s.lr).mul(g.div(avg))));
        }
    }

    private static void adagrad(Adagrad o, ParamSlot s) {
        Tensor g = direction(s, o.maximize(), o.weightDecay());
        Tensor clr = s.typed(s.lr.div(s.step.sub(1).mul(o.lrDecay()).add(1)));
        Tensor sum = s.state("sum", o.initialAccumulatorValue());
        Tensor sumNext = sum.add(g.mul(g));
        s.assign(sum, sumNext);
        Tensor std = sumNext.sqrt().add(o.eps());
        s.assign(s.param, s.param.sub(clr.mul(g.div(std))));
    }
}
