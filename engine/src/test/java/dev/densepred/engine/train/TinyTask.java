package dev.densepred.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.nn.Functional;

/** {@link TinyNet} regressing {@link TinySource}'s targets: a mean squared error plus a small L1 term. */
public final class TinyTask implements TrainTask<TinyBatch> {

    private final TinyNet net;

    public TinyTask(NDManager manager, TinyNet.Norm norm) {
        net = new TinyNet(norm);
        net.initialize(manager);
    }

    @Override
    public TinyNet model() {
        return net;
    }

    @Override
    public Losses losses(TinyBatch batch, StepContext ctx) {
        NDManager m = ctx.manager();
        NDArray x = ctx.input(m.create(batch.images(), new Shape(batch.n(), 3, 8, 8)));
        NDArray y = m.create(batch.targets(), new Shape(batch.n(), 2));
        NDArray diff = Functional.toFloat32(net.forward(x)).sub(y);
        return new Losses()
                .add("loss_mse", diff.square().mean())
                .add("loss_l1", diff.abs().mean().mul(0.1f))
                .add("mae", diff.abs().mean());
    }
}
