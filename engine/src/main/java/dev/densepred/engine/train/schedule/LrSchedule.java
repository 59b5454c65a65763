package dev.densepred.engine.train.schedule;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.config.Registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The learning rate of a parameter group at any iteration, from a {@code param_scheduler} list composed as
 * mmengine composes it: every scheduler acts on the same group value, multiplicative ones multiply it, and poly or
 * cosine with a non-zero minimum pull the value they started from towards that minimum.
 *
 * <p>mmengine gets there by mutating the group's lr once per step; here {@link #lr} is a closed form of the
 * iteration, so a resumed run cannot drift from an uninterrupted one and no scheduler state is saved. The two agree
 * to rounding whenever the chained result has a closed form; the one case where it has none (another scheduler
 * changing the value while a poly/cosine with a non-zero minimum is decaying) is refused at build time, with the
 * two schedulers named.
 */
public final class LrSchedule {

    /** The scheduler types a config may name, mmengine's names. */
    public static final Registry<SchedulerSpec> SCHEDULERS = new Registry<SchedulerSpec>("param_scheduler")
            .register("LinearLR", LinearLR.Config.class, c -> c)
            .register("MultiStepLR", MultiStepLR.Config.class, c -> c)
            .register("StepLR", StepLR.Config.class, c -> c)
            .register("PolyLR", PolyLR.Config.class, c -> c)
            .register("CosineAnnealingLR", CosineAnnealingLR.Config.class, c -> c);

    private final List<ParamScheduler> multiplicative = new ArrayList<>();
    private final List<ParamScheduler> affine = new ArrayList<>();

    private LrSchedule(List<ParamScheduler> schedulers) {
        for (ParamScheduler s : schedulers) {
            (s.isAffine() ? affine : multiplicative).add(s);
        }
        affine.sort(Comparator.comparingLong(LrSchedule::startIteration));
    }

    /** A schedule that keeps every group at its initial learning rate. */
    public static LrSchedule constant() {
        return new LrSchedule(List.of());
    }

    /** A schedule of already-resolved schedulers (tests, programmatic use); see {@link #build} for the checks. */
    public static LrSchedule of(List<ParamScheduler> schedulers) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < schedulers.size(); i++) {
            names.add("param_scheduler." + i + " (" + schedulers.get(i).getClass().getSimpleName() + ")");
        }
        checkComposable(schedulers, names);
        return new LrSchedule(schedulers);
    }

    /**
     * Builds the schedule of a {@code param_scheduler} list.
     *
     * @param entries the list's items, each with a {@code type}
     * @param trainByEpoch whether the run is epoch-based (an iteration-based run refuses epoch schedulers)
     * @param iterationsPerEpoch optimizer steps per epoch
     */
    public static LrSchedule build(List<Config> entries, boolean trainByEpoch, long iterationsPerEpoch) {
        List<ParamScheduler> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Config entry : entries) {
            SchedulerSpec spec = SCHEDULERS.build(entry);
            String where = entry.describe() + " (" + entry.type() + ")";
            if (spec.byEpoch() && !trainByEpoch) {
                throw new ConfigException(where + ": by_epoch is true (the default) but the run is iteration-based"
                        + " (train_cfg.by_epoch=false); set \"by_epoch\": false");
            }
            try {
                out.add(spec.resolve(iterationsPerEpoch));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ": " + e.getMessage(), e);
            }
            names.add(where);
        }
        checkComposable(out, names);
        return new LrSchedule(out);
    }

    /** The learning rate at {@code iteration} (0-based optimizer step) of a group whose initial rate is {@code base}. */
    public double lr(double base, long iteration) {
        return value(base, iteration, affine.size());
    }

    /**
     * The value at {@code iteration} considering the first {@code n} affine schedulers (sorted by start). The last
     * affine one that started before {@code iteration} replaces the value it started from; multiplicative changes
     * after its start can only come after its last step (checked at build time), so they multiply its result.
     */
    private double value(double base, long iteration, int n) {
        int a = n - 1;
        while (a >= 0 && startIteration(affine.get(a)) >= iteration) {
            a--;
        }
        if (a < 0) {
            double v = base;
            for (ParamScheduler s : multiplicative) {
                v *= s.factor(s.localStep(iteration));
            }
            return v;
        }
        ParamScheduler s = affine.get(a);
        long start = startIteration(s);
        double atStart = value(base, start, a);
        double eta = s.eta(base);
        double v = eta + (atStart - eta) * s.factor(s.localStep(iteration));
        for (ParamScheduler m : multiplicative) {
            long kStart = m.localStep(start);
            long k = m.localStep(iteration);
            if (k != kStart) {
                v *= m.factor(k) / m.factor(kStart);
            }
        }
        return v;
    }

    private static long startIteration(ParamScheduler s) {
        return s.iterationOf(0);
    }

    /** Refuses a scheduler that changes the value while an affine one is decaying. */
    private static void checkComposable(List<ParamScheduler> schedulers, List<String> names) {
        for (int i = 0; i < schedulers.size(); i++) {
            ParamScheduler a = schedulers.get(i);
            if (!a.isAffine() || a.lastLocalStep() < 1) {
                continue;
            }
            long first = a.iterationOf(1);
            long last = a.iterationOf(a.lastLocalStep());
            for (int j = 0; j < schedulers.size(); j++) {
                if (j != i && schedulers.get(j).changesWithin(first, last)) {
                    throw new ConfigException(names.get(j) + " changes the learning rate during iterations [" + first + ", " + last
                            + "] while " + names.get(i) + " decays towards a non-zero minimum; mmengine's chained result has no"
                            + " closed form there. Make the ranges disjoint or set the minimum to 0");
                }
            }
        }
    }
}
