package dev.densepred.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link TinyNet} regressing {@link TinySource}'s targets: a mean squared error plus a small L1 term, an accuracy-like
 * entry that is only logged, optional input dropout (random numbers from the engine's generator), and faults
 * injected at chosen iterations. It records every parameter's values as each iteration starts.
 */
public final class TinyTask implements TrainTask<TinyBatch> {

    /**
     * Faults, each at a 0-based iteration (-1: never).
     *
     * @param crashAt throw, as a killed process would stop
     * @param nanLossAt make the loss NaN
     * @param nanGradAt add a term that is 0 but whose gradient is NaN
     * @param spikeAt add a finite term whose float16 gradient overflows at any loss scale above 1
     */
    public record Faults(long crashAt, long nanLossAt, long nanGradAt, long spikeAt) {
        public static final Faults NONE = new Faults(-1, -1, -1, -1);
    }

    private final TinyNet net;
    private final double dropout;
    private final Faults faults;
    private final Map<Long, float[]> weightsAtStart = new TreeMap<>();

    public TinyTask(NDManager manager, TinyNet.Norm norm) {
        this(manager, norm, 0, Faults.NONE);
    }

    public TinyTask(NDManager manager, TinyNet.Norm norm, double dropout, Faults faults) {
        this(manager, new TinyNet(norm), dropout, faults);
    }

    /** On a given (uninitialised) net, e.g. one with an idle parameter. */
    public TinyTask(NDManager manager, TinyNet net, double dropout, Faults faults) {
        this.net = net;
        net.initialize(manager);
        this.dropout = dropout;
        this.faults = faults;
    }

    @Override
    public TinyNet model() {
        return net;
    }

    /** All parameter values (as float32) seen at the start of each iteration. */
    public Map<Long, float[]> weightsAtStart() {
        return weightsAtStart;
    }

    @Override
    public Losses losses(TinyBatch batch, StepContext ctx) {
        long it = ctx.iteration();
        if (it == faults.crashAt()) {
            throw new IllegalStateException("simulated crash at iteration " + it);
        }
        weightsAtStart.put(it, snapshot());
        NDManager m = ctx.manager();
        NDArray x = ctx.input(m.create(batch.images(), new Shape(batch.n(), 3, 8, 8)));
        x = Functional.dropout(x, dropout, true);
        NDArray y = m.create(batch.targets(), new Shape(batch.n(), 2));
        NDArray out = Functional.toFloat32(net.forward(x));
        NDArray diff = out.sub(y);
        NDArray mse = diff.square().mean();
        Losses losses = new Losses()
                .add("loss_mse", it == faults.nanLossAt() ? Functional.mul(mse, Double.NaN) : mse)
                .add("loss_l1", Functional.mul(diff.abs().mean(), 0.1))
                .add("mae", diff.abs().mean());
        if (it == faults.nanGradAt()) {
            // sqrt(|0|) is 0, its gradient 0 * inf = NaN
            losses.add("loss_sqrt", Functional.mul(diff, 0).abs().sqrt().sum());
        }
        if (it == faults.spikeAt()) {
            // d/dout = 100 x scale, which float16 cannot hold once the scale exceeds 655
            losses.add("loss_spike", Functional.mul(out.sum(), 100));
        }
        return losses;
    }

    private float[] snapshot() {
        List<Float> all = new ArrayList<>();
        for (Parameter p : net.parameters().values()) {
            try (NDArray copy = p.array().toType(DataType.FLOAT32, true)) {
                for (float f : copy.toFloatArray()) {
                    all.add(f);
                }
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
