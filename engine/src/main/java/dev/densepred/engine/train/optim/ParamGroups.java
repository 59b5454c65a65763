package dev.densepred.engine.train.optim;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Splits a model's trainable parameters into optimizer groups by {@code paramwise_cfg}, with the rules of mmengine's
 * {@code DefaultOptimWrapperConstructor}:
 *
 * <ul>
 *   <li>{@code custom_keys}: the longest key that is a substring of the parameter's dotted name (ties: alphabetical
 *       order) sets {@code lr_mult} and {@code decay_mult}, and no other rule applies to that parameter;
 *   <li>{@code bias_lr_mult}: parameters named {@code bias} outside normalisation layers;
 *   <li>weight decay, first rule that applies: {@code norm_decay_mult} (normalisation parameters),
 *       {@code bias_decay_mult} ({@code bias}), {@code dwconv_decay_mult} (depthwise convolutions),
 *       {@code flat_decay_mult} (any other one-dimensional parameter).
 * </ul>
 *
 * A multiplier left out (null) does not apply, as in mmengine: without {@code paramwise_cfg} everything decays.
 * With {@code layer_decay} the rules of mmsegmentation's {@code LearningRateDecayOptimizerConstructor} replace these
 * (see {@link LayerDecay}). Frozen parameters ({@link Parameter#trainable()} false) join no group.
 */
public final class ParamGroups {

    /**
     * {@code paramwise_cfg}.
     *
     * @param biasLrMult lr multiplier of biases outside norms, or null
     * @param biasDecayMult weight-decay multiplier of biases, or null
     * @param normDecayMult weight-decay multiplier of normalisation parameters, or null
     * @param dwconvDecayMult weight-decay multiplier of depthwise convolution parameters, or null
     * @param flatDecayMult weight-decay multiplier of other one-dimensional parameters, or null
     * @param customKeys per-substring multipliers
     * @param layerDecay layer-wise lr decay, or null
     */
    public record Config(
            Double biasLrMult,
            Double biasDecayMult,
            Double normDecayMult,
            Double dwconvDecayMult,
            Double flatDecayMult,
            Map<String, CustomKey> customKeys,
            LayerDecay.Config layerDecay) {
        public Config {
            customKeys = Map.copyOf(customKeys);
            if (layerDecay != null && (biasLrMult != null || biasDecayMult != null || normDecayMult != null
                    || dwconvDecayMult != null || flatDecayMult != null || !customKeys.isEmpty())) {
                throw new IllegalArgumentException("layer_decay uses its own rules (no decay on 1-D parameters and biases, as"
                        + " mmsegmentation's LearningRateDecayOptimizerConstructor); remove the other paramwise_cfg keys");
            }
        }

        /** No parameter-wise rule: every parameter in one group. */
        public static Config defaults() {
            return new Config(null, null, null, null, null, Map.of(), null);
        }
    }

    /**
     * Multipliers for parameters whose name contains a key.
     *
     * @param lrMult learning-rate multiplier
     * @param decayMult weight-decay multiplier
     */
    public record CustomKey(double lrMult, double decayMult) {
        public static CustomKey defaults() {
            return new CustomKey(1, 1);
        }
    }

    private final List<ParamGroup> groups;
    private final List<String> unusedKeys;

    private ParamGroups(List<ParamGroup> groups, List<String> unusedKeys) {
        this.groups = List.copyOf(groups);
        this.unusedKeys = List.copyOf(unusedKeys);
    }

    /** The groups, each holding parameters with equal learning rate and weight decay, in order of first member. */
    public List<ParamGroup> groups() {
        return groups;
    }

    /** Custom keys that matched no trainable parameter (a typo, or a key meant for another backbone). */
    public List<String> unusedKeys() {
        return unusedKeys;
    }

    /**
     * Groups the trainable parameters of {@code model}.
     *
     * @param layerIds the backbone's layer ids, required when {@code config.layerDecay()} is set
     */
    public static ParamGroups build(Module model, Config config, double baseLr, double baseWd, LayerDecay.LayerIds layerIds) {
        if (config.layerDecay() != null && layerIds == null) {
            throw new IllegalArgumentException("paramwise_cfg.layer_decay is set but the model supplies no layer ids"
                    + " (TrainTask.layerIds() is empty)");
        }
        List<String> keys = new ArrayList<>(config.customKeys().keySet());
        keys.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        Set<String> unused = new LinkedHashSet<>(keys);
        Map<String, Module> modules = model.modules();
        Map<String, Builder> byKey = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            if (!p.trainable()) {
                continue;
            }
            Rule rule;
            if (config.layerDecay() != null) {
                rule = layerRule(config.layerDecay(), layerIds, name, p, baseLr, baseWd);
            } else {
                String key = keys.stream().filter(name::contains).findFirst().orElse(null);
                if (key != null) {
                    unused.remove(key);
                    CustomKey c = config.customKeys().get(key);
                    rule = new Rule("custom:" + key, baseLr * c.lrMult(), baseWd * c.decayMult());
                } else {
                    rule = defaultRule(config, name, p, owner(modules, name), baseLr, baseWd);
                }
            }
            byKey.computeIfAbsent(rule.lr() + "/" + rule.weightDecay(), k -> new Builder(rule)).params.add(name);
        }
        List<ParamGroup> out = new ArrayList<>();
        for (Builder b : byKey.values()) {
            out.add(new ParamGroup(b.rule.label(), b.rule.lr(), b.rule.weightDecay(), b.params));
        }
        return new ParamGroups(out, new ArrayList<>(unused));
    }

    private record Rule(String label, double lr, double weightDecay) {}

    private static final class Builder {
        final Rule rule;
        final List<String> params = new ArrayList<>();

        Builder(Rule rule) {
            this.rule = rule;
        }
    }

    private static Module owner(Map<String, Module> modules, String name) {
        int dot = name.lastIndexOf('.');
        return modules.get(dot < 0 ? "" : name.substring(0, dot));
    }

    private static Rule defaultRule(Config c, String name, Parameter p, Module owner, double baseLr, double baseWd) {
        boolean norm = p.kind() == Parameter.Kind.NORM;
        boolean bias = name.equals("bias") || name.endsWith(".bias");
        boolean dwconv = owner instanceof Conv2d conv && conv.options().groups() == conv.inChannels();
        double lr = baseLr;
        String label = "default";
        if (bias && !norm && c.biasLrMult() != null) {
            lr = baseLr * c.biasLrMult();
            label = "bias_lr";
        }
        double wd = baseWd;
        if (norm && c.normDecayMult() != null) {
            wd = baseWd * c.normDecayMult();
            label = "norm";
        } else if (bias && c.biasDecayMult() != null) {
            wd = baseWd * c.biasDecayMult();
            label = "bias";
        } else if (dwconv && c.dwconvDecayMult() != null) {
            wd = baseWd * c.dwconvDecayMult();
            label = "dwconv";
        } else if (p.shape().dimension() == 1 && c.flatDecayMult() != null) {
            wd = baseWd * c.flatDecayMult();
            label = "flat";
        }
        return new Rule(label, lr, wd);
    }

    private static Rule layerRule(LayerDecay.Config c, LayerDecay.LayerIds ids, String name, Parameter p, double baseLr, double baseWd) {
        boolean noDecay = p.shape().dimension() == 1 || name.endsWith(".bias");
        int id = ids.layerId(name);
        return new Rule("layer_" + id + (noDecay ? "_no_decay" : "_decay"), baseLr * LayerDecay.scale(c, ids, name), noDecay ? 0 : baseWd);
    }
}
