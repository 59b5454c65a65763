package dev.densepred.engine.train.schedule;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

/**
 * The closed-form schedule against two independent references: values derived by hand at the boundaries of the
 * usual recipes, and a step-by-step simulation of mmengine's chained updates (each scheduler's {@code _get_value}
 * applied to the shared group value, iteration schedulers stepped after every iteration and epoch schedulers after
 * every epoch, in list order) compared at every iteration.
 */
class LrScheduleTest {

    private static final double BASE = 2e-4;

    /** The list as the runner receives it: items bound as raw subtrees that remember their path. */
    record Holder(List<Config> paramScheduler) {}

    private static List<Config> entries(String json) {
        JsonObject root = new JsonObject();
        root.add("param_scheduler", JsonParser.parseString(json));
        return Config.of(root, "test.json").bind(Holder.class).paramScheduler();
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * 1e-12 + 1e-20, what);
    }

    @Test
    void schedule1xWarmupThenStepsAtEpochs8And11() {
        String json = "[{\"type\":\"LinearLR\",\"start_factor\":0.001,\"by_epoch\":false,\"begin\":0,\"end\":500},"
                + "{\"type\":\"MultiStepLR\",\"begin\":0,\"end\":12,\"by_epoch\":true,\"milestones\":[8,11],\"gamma\":0.1}]";
        long ipe = 100;
        LrSchedule s = LrSchedule.build(entries(json), true, ipe);
        assertAll(
                () -> assertClose(BASE * 0.001, s.lr(BASE, 0), "iteration 0"),
                () -> assertClose(BASE * (0.001 + 0.999 * 250 / 499), s.lr(BASE, 250), "iteration 250"),
                () -> assertClose(BASE, s.lr(BASE, 499), "iteration 499 (warm-up done)"),
                () -> assertClose(BASE, s.lr(BASE, 799), "last iteration of epoch 7"),
                () -> assertClose(BASE * 0.1, s.lr(BASE, 800), "first iteration of epoch 8"),
                () -> assertClose(BASE * 0.1, s.lr(BASE, 1099), "last iteration of epoch 10"),
                () -> assertClose(BASE * 0.01, s.lr(BASE, 1100), "epoch 11"),
                () -> assertClose(BASE * 0.01, s.lr(BASE, 1199), "last iteration"));
        assertMatchesChain(json, true, ipe, 1200);
        String converted = json.replace("\"by_epoch\":true,", "\"by_epoch\":true,\"convert_to_iter_based\":true,");
        LrSchedule c = LrSchedule.build(entries(converted), true, ipe);
        for (long t = 0; t < 1200; t++) {
            assertClose(s.lr(BASE, t), c.lr(BASE, t), "converted, iteration " + t);
        }
    }

    @Test
    void poly160kWithFloor() {
        String json = "[{\"type\":\"PolyLR\",\"eta_min\":1e-4,\"power\":0.9,\"begin\":0,\"end\":160000,\"by_epoch\":false}]";
        double base = 0.01;
        LrSchedule s = LrSchedule.build(entries(json), false, 1000);
        assertAll(
                () -> assertClose(base, s.lr(base, 0), "iteration 0"),
                () -> assertClose(1e-4 + (base - 1e-4) * Math.pow(79999.0 / 159999, 0.9), s.lr(base, 80000), "iteration 80000"),
                () -> assertClose(1e-4, s.lr(base, 159999), "last iteration"),
                () -> assertClose(1e-4, s.lr(base, 170000), "after the end"),
                // eta_min is absolute: a group below it climbs towards it, as in mmengine
                () -> assertClose(1e-4 + (1e-5 - 1e-4) * Math.pow(79999.0 / 159999, 0.9), s.lr(1e-5, 80000), "low group"));
        assertMatchesChain(json.replace("160000", "1000"), false, 1000, 1200);
    }

    @Test
    void warmupThenPolyAsTheSegmentationRecipes() {
        String json = "[{\"type\":\"LinearLR\",\"start_factor\":1e-6,\"by_epoch\":false,\"begin\":0,\"end\":1500},"
                + "{\"type\":\"PolyLR\",\"power\":1.0,\"eta_min\":0.0,\"begin\":1500,\"end\":160000,\"by_epoch\":false}]";
        LrSchedule s = LrSchedule.build(entries(json), false, 1);
        assertAll(
                () -> assertClose(BASE * 1e-6, s.lr(BASE, 0), "iteration 0"),
                () -> assertClose(BASE, s.lr(BASE, 1499), "end of warm-up"),
                () -> assertClose(BASE, s.lr(BASE, 1500), "poly starts"),
                () -> assertClose(BASE * (158499.0 - 1000) / 158499, s.lr(BASE, 2500), "1000 into poly"),
                () -> assertClose(0, s.lr(BASE, 159999), "last iteration"));
        assertMatchesChain(json.replace("160000", "2500"), false, 1, 2600);
    }

    @Test
    void affineStartsFromTheValueOtherSchedulersLeft() {
        // warm-up to 0.5 of the base, then a poly with a floor, then a step after the poly ended
        String json = "[{\"type\":\"MultiStepLR\",\"by_epoch\":false,\"milestones\":[900],\"gamma\":0.5},"
                + "{\"type\":\"PolyLR\",\"eta_min\":1e-5,\"power\":2.0,\"begin\":100,\"end\":700,\"by_epoch\":false},"
                + "{\"type\":\"LinearLR\",\"start_factor\":0.1,\"end_factor\":0.5,\"by_epoch\":false,\"begin\":0,\"end\":100}]";
        LrSchedule s = LrSchedule.build(entries(json), false, 1);
        assertAll(
                () -> assertClose(BASE * 0.5, s.lr(BASE, 100), "poly starts from the warm-up's end value"),
                () -> assertClose(1e-5 + (BASE * 0.5 - 1e-5) * Math.pow(299.0 / 599, 2), s.lr(BASE, 400), "mid poly"),
                () -> assertClose(1e-5 * 0.5, s.lr(BASE, 950), "step after the poly's end scales its floor"));
        assertMatchesChain(json, false, 1, 1000);
    }

    @Test
    void cosineWithRatioFloorConvertedFromEpochs() {
        String json = "[{\"type\":\"LinearLR\",\"start_factor\":1e-5,\"by_epoch\":false,\"begin\":0,\"end\":50},"
                + "{\"type\":\"CosineAnnealingLR\",\"eta_min_ratio\":0.05,\"begin\":6,\"end\":12,\"t_max\":6,"
                + "\"by_epoch\":true,\"convert_to_iter_based\":true}]";
        long ipe = 40;
        LrSchedule s = LrSchedule.build(entries(json), true, ipe);
        double eta = BASE * 0.05;
        assertAll(
                () -> assertClose(BASE, s.lr(BASE, 240), "cosine starts at epoch 6"),
                () -> assertClose(eta + (BASE - eta) * (1 + Math.cos(Math.PI * 120 / 240)) / 2, s.lr(BASE, 360), "half way"),
                () -> assertClose(eta + (BASE - eta) * (1 + Math.cos(Math.PI * 239 / 240)) / 2, s.lr(BASE, 479), "last iteration"));
        assertMatchesChain(json, true, ipe, 12 * ipe);
        assertMatchesChain(json.replace(",\"convert_to_iter_based\":true", ""), true, ipe, 12 * ipe);
    }

    @Test
    void stepAndEpochClockWarmup() {
        String json = "[{\"type\":\"LinearLR\",\"start_factor\":0.25,\"by_epoch\":true,\"begin\":0,\"end\":3},"
                + "{\"type\":\"StepLR\",\"step_size\":2,\"gamma\":0.5,\"begin\":3,\"by_epoch\":true}]";
        LrSchedule s = LrSchedule.build(entries(json), true, 10);
        assertAll(
                () -> assertClose(BASE * 0.25, s.lr(BASE, 9), "epoch 0"),
                () -> assertClose(BASE * 0.625, s.lr(BASE, 10), "epoch 1"),
                () -> assertClose(BASE, s.lr(BASE, 30), "epoch 3"),
                () -> assertClose(BASE * 0.5, s.lr(BASE, 50), "epoch 5"),
                () -> assertClose(BASE * 0.25, s.lr(BASE, 79), "epoch 7"));
        assertMatchesChain(json, true, 10, 120);
    }

    @Test
    void refusesWhatHasNoClosedFormOrNoMeaning() {
        ConfigException overlap = assertThrows(ConfigException.class, () -> LrSchedule.build(entries(
                "[{\"type\":\"PolyLR\",\"eta_min\":1e-4,\"begin\":0,\"end\":1000,\"by_epoch\":false},"
                        + "{\"type\":\"LinearLR\",\"start_factor\":0.1,\"begin\":0,\"end\":100,\"by_epoch\":false}]"), false, 1));
        assertTrue(overlap.getMessage().contains("param_scheduler.1") && overlap.getMessage().contains("param_scheduler.0"),
                overlap.getMessage());
        ConfigException epochInIterRun = assertThrows(ConfigException.class,
                () -> LrSchedule.build(entries("[{\"type\":\"MultiStepLR\",\"milestones\":[8]}]"), false, 1));
        assertTrue(epochInIterRun.getMessage().contains("by_epoch"), epochInIterRun.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> LrSchedule.build(entries("[{\"type\":\"PolyLr\",\"by_epoch\":false}]"), false, 1));
        assertTrue(unknown.getMessage().contains("PolyLR"), unknown.getMessage());
        ConfigException restarts = assertThrows(ConfigException.class, () -> LrSchedule.build(entries(
                "[{\"type\":\"CosineAnnealingLR\",\"t_max\":10,\"begin\":0,\"end\":100,\"by_epoch\":false}]"), false, 1));
        assertTrue(restarts.getMessage().contains("t_max"), restarts.getMessage());
        assertThrows(ConfigException.class, () -> LrSchedule.build(entries(
                "[{\"type\":\"LinearLR\",\"start_factor\":0,\"by_epoch\":false}]"), false, 1));
    }

    /** Every iteration of the closed form against the simulated chain, for two groups (one below the poly floor). */
    private static void assertMatchesChain(String json, boolean byEpochRun, long ipe, long iterations) {
        LrSchedule closed = LrSchedule.build(entries(json), byEpochRun, ipe);
        List<Executable> checks = new ArrayList<>();
        for (double base : new double[] {BASE, 3e-6}) {
            double[] chain = Chain.simulate(JsonParser.parseString(json).getAsJsonArray(), base, ipe, iterations);
            for (int t = 0; t < iterations; t++) {
                int it = t;
                double c = closed.lr(base, t);
                if (Math.abs(c - chain[t]) > Math.abs(chain[t]) * 1e-9 + 1e-18) {
                    checks.add(() -> assertEquals(chain[it], c, Math.abs(chain[it]) * 1e-9, "base " + base + " iteration " + it));
                }
            }
        }
        assertAll(checks.stream().limit(10));
    }

    /** mmengine's chainable updates, applied step by step to one group value. */
    private static final class Chain {
        final JsonObject cfg;
        final String type;
        final boolean byEpoch;
        long begin;
        long end;
        long globalStep = -1;
        long lastStep = -1;
        long scale = 1;

        Chain(JsonObject cfg, long ipe) {
            this.cfg = cfg;
            this.type = cfg.get("type").getAsString();
            boolean epoch = !cfg.has("by_epoch") || cfg.get("by_epoch").getAsBoolean();
            boolean convert = cfg.has("convert_to_iter_based") && cfg.get("convert_to_iter_based").getAsBoolean();
            begin = cfg.has("begin") ? cfg.get("begin").getAsLong() : 0;
            end = cfg.has("end") ? cfg.get("end").getAsLong() : ParamScheduler.INF;
            if (epoch && convert) {
                scale = ipe;
                begin *= ipe;
                end = end == ParamScheduler.INF ? end : end * ipe;
            }
            this.byEpoch = epoch && !convert;
        }

        double num(String key, double dflt) {
            return cfg.has(key) ? cfg.get(key).getAsDouble() : dflt;
        }

        double step(double v, double base) {
            globalStep++;
            if (globalStep < begin || globalStep >= end) {
                return v;
            }
            lastStep++;
            long k = lastStep;
            long total = end - begin - 1;
            switch (type) {
                case "LinearLR": {
                    double sf = num("start_factor", 1.0 / 3);
                    double ef = num("end_factor", 1.0);
                    return k == 0 ? v * sf : v * (1 + (ef - sf) / (total * sf + (k - 1) * (ef - sf)));
                }
                case "MultiStepLR": {
                    int count = 0;
                    for (var m : cfg.getAsJsonArray("milestones")) {
                        if (m.getAsLong() * scale == k) {
                            count++;
                        }
                    }
                    return v * Math.pow(num("gamma", 0.1), count);
                }
                case "StepLR": {
                    long ss = (long) num("step_size", 1) * scale;
                    return (k == 0 || k % ss != 0) ? v : v * num("gamma", 0.1);
                }
                case "PolyLR": {
                    double eta = num("eta_min", 0);
                    return k == 0 ? v : (v - eta) * Math.pow(1 - 1.0 / (total - k + 1), num("power", 1.0)) + eta;
                }
                case "CosineAnnealingLR": {
                    double tMax = cfg.has("t_max") ? cfg.get("t_max").getAsLong() * scale : end - begin;
                    double eta = cfg.has("eta_min_ratio") ? base * num("eta_min_ratio", 0) : num("eta_min", 0);
                    if (k == 0) {
                        return v;
                    }
                    if ((k - 1 - (long) tMax) % (2 * (long) tMax) == 0) {
                        return v + (base - eta) * (1 - Math.cos(Math.PI / tMax)) / 2;
                    }
                    return (1 + Math.cos(Math.PI * k / tMax)) / (1 + Math.cos(Math.PI * (k - 1) / tMax)) * (v - eta) + eta;
                }
                default:
                    throw new IllegalArgumentException(type);
            }
        }

        static double[] simulate(JsonArray list, double base, long ipe, long iterations) {
            List<Chain> chains = new ArrayList<>();
            for (var e : list) {
                chains.add(new Chain(e.getAsJsonObject(), ipe));
            }
            double v = base;
            for (Chain c : chains) {
                v = c.step(v, base);
            }
            double[] out = new double[(int) iterations];
            for (int t = 0; t < iterations; t++) {
                out[t] = v;
                for (Chain c : chains) {
                    if (!c.byEpoch) {
                        v = c.step(v, base);
                    }
                }
                if ((t + 1) % ipe == 0) {
                    for (Chain c : chains) {
                        if (c.byEpoch) {
                            v = c.step(v, base);
                        }
                    }
                }
            }
            return out;
        }
    }
}
