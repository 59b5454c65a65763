package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Picks a fixed budget of positive and negative priors uniformly at random: mmdetection's {@code RandomSampler}
 * (with {@code BaseSampler.sample}).
 *
 * <p>Steps: optionally prepend the ground truths as positive proposals; take {@code int(num * pos_fraction)}
 * positives at most (all if fewer); fill the rest of {@code num} with negatives, at most
 * {@code neg_pos_ub * max(1, positives)} when {@code neg_pos_ub >= 0}. Both index lists come out sorted, as the
 * reference's {@code unique()} returns them.
 *
 * <p>Randomness comes from the caller's {@link RandomGenerator}, so a seeded run repeats exactly. The subsets are
 * uniformly distributed like the reference's {@code torch.randperm(n)[:num]}, but not bit-identical to it: the same
 * seed picks different priors than PyTorch would.
 *
 * <p>The assignment's {@code gt_inds} crosses to the host once per image (one bulk copy of N int64).
 */
public final class RandomSampler {

    /**
     * Settings, named as mmdetection's arguments.
     *
     * @param num total number of samples per image
     * @param posFraction the largest fraction of positives
     * @param negPosUb if {@code >= 0}, at most this many negatives per positive
     * @param addGtAsProposals whether the ground truths join the candidates as positives
     */
    public record Config(int num, double posFraction, int negPosUb, boolean addGtAsProposals) {

        public Config {
            if (num <= 0 || !(posFraction >= 0 && posFraction <= 1)) {
                throw new IllegalArgumentException("sampler needs num > 0 and pos_fraction in [0, 1], found num " + num
                        + ", pos_fraction " + posFraction);
            }
        }

        /** Mask R-CNN's RoI-head sampler: 512 samples, 25 % positive, ground truths added. */
        public static Config defaults() {
            return new Config(512, 0.25, -1, true);
        }
    }

    private final Config config;

    public RandomSampler(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Samples among {@code priors} ({@code [N, 4]}) given their assignment to {@code gtBoxes} ({@code [K, 4]}, int64
     * labels {@code [K]}).
     */
    public SamplingResult sample(AssignResult assign, NDArray priors, NDArray gtBoxes, NDArray gtLabels, RandomGenerator rng) {
        BoxOps.checkBoxes("priors", priors);
        BoxOps.checkBoxes("gt_boxes", gtBoxes);
        if (assign.numPriors() != priors.getShape().get(0)) {
            throw new IllegalArgumentException("sample: the assignment covers " + assign.numPriors() + " priors, priors has "
                    + priors.getShape().get(0) + " rows");
        }
        int k = Math.toIntExact(gtBoxes.getShape().get(0));
        NDArray candidates = priors;
        AssignResult result = assign;
        int added = 0;
        if (config.addGtAsProposals() && k > 0) {
            candidates = gtBoxes.concat(priors);
            result = assign.withGtPrepended(gtLabels);
            added = k;
        }
        long[] gtInds = result.gtInds().toLongArray();

        int numExpectedPos = (int) (config.num() * config.posFraction());
        int[] pos = choose(matching(gtInds, true), numExpectedPos, rng);
        int numExpectedNeg = config.num() - pos.length;
        if (config.negPosUb() >= 0) {
            int upperBound = (int) ((long) config.negPosUb() * Math.max(1, pos.length));
            numExpectedNeg = Math.min(numExpectedNeg, upperBound);
        }
        int[] neg = choose(matching(gtInds, false), numExpectedNeg, rng);

        int[] posGt = new int[pos.length];
        for (int i = 0; i < pos.length; i++) {
            posGt[i] = (int) gtInds[pos[i]] - 1;
        }
        return new SamplingResult(candidates, result, pos, neg, posGt, added);
    }

    /** Ascending indices of positives ({@code gt_inds > 0}) or negatives ({@code gt_inds == 0}). */
    private static int[] matching(long[] gtInds, boolean positive) {
        int count = 0;
        for (long g : gtInds) {
            if (positive ? g > 0 : g == 0) {
                count++;
            }
        }
        int[] out = new int[count];
        int j = 0;
        for (int i = 0; i < gtInds.length; i++) {
            if (positive ? gtInds[i] > 0 : gtInds[i] == 0) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** All of {@code gallery} if it fits in {@code num}, else a uniform random subset of {@code num}; sorted. */
    private static int[] choose(int[] gallery, int num, RandomGenerator rng) {
        if (gallery.length <= num) {
            return gallery;
        }
        int[] g = gallery.clone();
        // Partial Fisher-Yates: the first num slots become a uniform random subset.
        for (int i = 0; i < num; i++) {
            int j = i + rng.nextInt(g.length - i);
            int t = g[i];
            g[i] = g[j];
            g[j] = t;
        }
        int[] out = Arrays.copyOf(g, num);
        Arrays.sort(out);
        return out;
    }
}
