package dev.densepred.engine.train.optim;

/**
 * Layer-wise learning-rate decay for backbones, the twin of mmsegmentation's
 * {@code LearningRateDecayOptimizerConstructor}: a parameter in layer {@code id} of a backbone with {@code n}
 * layers trains at {@code decay_rate^(n + 1 - id)} times the base learning rate, and every parameter with one
 * dimension or named {@code *.bias} gets no weight decay.
 *
 * <p>The backbone says which layer a parameter belongs to, through {@link LayerIds}: id 0 is the stem (patch
 * embedding, first downsampling), ids 1..n its blocks or stages from input to output, and n + 1 everything outside
 * the backbone (neck, heads), which keeps the full learning rate.
 */
public final class LayerDecay {

    /**
     * Settings ({@code paramwise_cfg.layer_decay}).
     *
     * @param decayRate factor per layer, in (0, 1]
     */
    public record Config(double decayRate) {
        public Config {
            if (!(decayRate > 0 && decayRate <= 1)) {
                throw new IllegalArgumentException("decay_rate must be in (0, 1], got " + decayRate);
            }
        }
    }

    /** The layer of each parameter, supplied by the model (usually its backbone). */
    public interface LayerIds {

        /** Number of backbone layers {@code n}; ids run from 0 to {@code n + 1}. */
        int numLayers();

        /** The layer id of the parameter with this dotted state-dict name, in {@code [0, n + 1]}. */
        int layerId(String parameterName);
    }

    private LayerDecay() {}

    /** The learning-rate scale of layer {@code id}. */
    static double scale(Config config, LayerIds ids, String name) {
        int n = ids.numLayers();
        int id = ids.layerId(name);
        if (id < 0 || id > n + 1) {
            throw new IllegalArgumentException("layer id " + id + " of parameter '" + name + "' is outside [0, " + (n + 1) + "]");
        }
        return Math.pow(config.decayRate(), n + 1 - id);
    }
}
