package dev.densepred.detection.eval;

import dev.densepred.datasets.coco.CocoAnnotations;
import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.IdIndex;
import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.RleMask;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntToLongFunction;
import java.util.stream.IntStream;

/**
 * COCO detection evaluation with the exact semantics of pycocotools' {@code COCOeval} ({@code evaluate},
 * {@code accumulate}, {@code summarize}) for {@code bbox} and {@code segm}, plus mmdetection's class-wise AP.
 *
 * <p>What is reproduced, step by step:
 * <ul>
 *   <li>Every category and image of the ground truth, in ascending id order.</li>
 *   <li>Per (image, category): detections sorted by score, descending, stable (file order breaks ties), cut to the
 *       largest {@code maxDets}; ground truth in file order, then stable-sorted so ignored ones come last; the
 *       ground truth's {@code ignore} is its {@code iscrowd} (an {@code ignore} key has no effect), plus, per area
 *       range, an area outside the closed range.</li>
 *   <li>IoU as {@link MaskApi} computes it: crowd regions are matched by intersection over detection area.</li>
 *   <li>Greedy matching per IoU threshold in score order: a detection takes the best remaining ground truth with
 *       IoU &ge; {@code min(t, 1 - 1e-10)}; an equal IoU replaces the current best (the later ground truth wins);
 *       once matched to a regular ground truth it stops at the first ignored one; crowd ground truth can be matched
 *       many times. A detection matched to an ignored ground truth is ignored; an unmatched one outside the area
 *       range is ignored. A match with a ground-truth id of 0 counts as no match, as in pycocotools.</li>
 *   <li>Accumulation per (category, area, maxDets): detections of all images concatenated in image-id order and
 *       stable-sorted by score; cumulative TP/FP; recall {@code tp / npig}; precision {@code tp / (tp + fp + eps)}
 *       made monotone from the right; precision read at {@code searchsorted(recall, recThrs, side='left')}, 0 past
 *       the end; -1 where the category has no non-ignored ground truth.</li>
 *   <li>Summary means over the entries &gt; -1 with numpy's pairwise summation, so the 12 numbers and the
 *       per-category APs are bit-identical to numpy's.</li>
 * </ul>
 *
 * <p>IoUs and matching run in parallel over images on {@link Settings#threads} threads, over primitive arrays;
 * accumulation runs in parallel over categories. Results do not depend on the thread count.
 */
public final class CocoEvaluator {

    /** Outcome of one detection at one IoU threshold and area range. */
    private static final byte IGNORED = 0;
    private static final byte TRUE_POSITIVE = 1;
    private static final byte FALSE_POSITIVE = 2;

    /**
     * How to evaluate.
     *
     * @param params COCOeval parameters
     * @param threads worker threads for the per-image and per-category work
     */
    public record Settings(CocoEvalParams params, int threads) {

        public Settings {
            if (threads < 1) {
                throw new IllegalArgumentException("COCO evaluation needs at least 1 thread, found " + threads);
            }
        }

        /** pycocotools' parameters on every available core. */
        public static Settings defaults() {
            return new Settings(CocoEvalParams.defaults(), Runtime.getRuntime().availableProcessors());
        }
    }

    private final CocoInstances gt;
    private final CocoResults dt;
    private final IouType type;
    private final double[] iouThrs;
    private final double[] recThrs;
    private final int[] maxDets;
    private final double[][] areaRanges;
    private final int nT;
    private final int nA;
    private final int nK;
    private final int maxDet;

    // Groups: one per (image, category) with ground truth or detections, in (image id, category id) order;
    // imageRankStart[r] is the first group of the image with the r-th smallest id.
    private int nGroups;
    private int[] groupCategory;
    private int[] gtStart;
    private int[] dtStart;
    private int[] dtCount;
    private int[] slotStart;
    private int[] imageRank;
    private int[] imageRankStart;
    private int[] categoryGroupStart;
    private int[] gtOrder;
    private int[] dtOrder;
    // Per kept detection (slot, in group order): its detection index, and its outcomes [slot][area][iou].
    private int[] slotDet;
    private byte[] outcome;
    private int[] groupNpig;

    private CocoEvaluator(CocoInstances gt, CocoResults dt, IouType type, CocoEvalParams p) {
        if (dt.groundTruth() != gt) {
            throw new IllegalArgumentException("results were read against " + dt.groundTruth().source()
                    + ", not against " + gt.source());
        }
        this.gt = gt;
        this.dt = dt;
        this.type = type;
        this.iouThrs = p.iouThrs();
        this.recThrs = p.recThrs();
        this.maxDets = p.maxDets();
        this.areaRanges = p.areaRanges();
        this.nT = iouThrs.length;
        this.nA = areaRanges.length;
        this.nK = gt.categories().size();
        this.maxDet = maxDets[maxDets.length - 1];
    }

    /**
     * Evaluates {@code results} (read or built against {@code gt}) for {@code type}.
     *
     * @throws IllegalArgumentException when the results belong to another ground truth, or, for {@code segm}, a
     *     ground-truth annotation has no segmentation
     */
    public static CocoEvalResult evaluate(CocoInstances gt, CocoResults results, IouType type, Settings settings) {
        CocoEvaluator e = new CocoEvaluator(gt, results, type, settings.params());
        ForkJoinPool pool = new ForkJoinPool(settings.threads());
        try {
            e.group();
            pool.submit(() -> IntStream.range(0, gt.images().size()).parallel().forEach(e::evaluateImage)).get();
            double[] precision = new double[e.nT * e.recThrs.length * e.nK * e.nA * e.maxDets.length];
            double[] recall = new double[e.nT * e.nK * e.nA * e.maxDets.length];
            Arrays.fill(precision, -1);
            Arrays.fill(recall, -1);
            int[] categoryGroups = e.groupsByCategory();
            pool.submit(() -> IntStream.range(0, e.nK).parallel()
                    .forEach(k -> e.accumulate(k, categoryGroups, precision, recall))).get();
            return new CocoEvalResult(gt, type, settings.params(), precision, recall);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("COCO evaluation interrupted", ex);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(ex.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** Builds the (image, category) groups, the sorted and cut detection lists, and the slot layout. */
    private void group() {
        int nImg = gt.images().size();
        CocoAnnotations anns = gt.annotations();
        // Image and category ranks in ascending id order.
        int[] imageRank = rankByIds(nImg, i -> gt.images().id(i));
        int[] catRank = new int[nK];
        for (int c = 0; c < nK; c++) {
            catRank[c] = gt.categories().label(c);
        }
        int nG = anns.size();
        long[] gtKey = new long[nG];
        for (int g = 0; g < nG; g++) {
            gtKey[g] = (long) imageRank[anns.imageIndex(g)] * nK + catRank[anns.categoryIndex(g)];
        }
        gtOrder = sortByKey(gtKey, null);
        int nD = dt.size();
        long[] dtKey = new long[nD];
        double[] scores = new double[nD];
        for (int d = 0; d < nD; d++) {
            dtKey[d] = (long) imageRank[dt.imageIndex(d)] * nK + catRank[dt.categoryIndex(d)];
            scores[d] = dt.score(d);
        }
        dtOrder = sortByKey(dtKey, scores);

        // Walk both sorted lists together; each key seen is a group.
        int cap = 16;
        long[] keys = new long[cap];
        gtStart = new int[cap + 1];
        dtStart = new int[cap + 1];
        int gi = 0;
        int di = 0;
        int n = 0;
        while (gi < nG || di < nD) {
            long kg = gi < nG ? gtKey[gtOrder[gi]] : Long.MAX_VALUE;
            long kd = di < nD ? dtKey[dtOrder[di]] : Long.MAX_VALUE;
            long key = Math.min(kg, kd);
            if (n + 1 >= cap) {
                cap *= 2;
                keys = Arrays.copyOf(keys, cap);
                gtStart = Arrays.copyOf(gtStart, cap + 1);
                dtStart = Arrays.copyOf(dtStart, cap + 1);
            }
            keys[n] = key;
            gtStart[n] = gi;
            dtStart[n] = di;
            while (gi < nG && gtKey[gtOrder[gi]] == key) {
                gi++;
            }
            while (di < nD && dtKey[dtOrder[di]] == key) {
                di++;
            }
            n++;
        }
        gtStart[n] = gi;
        dtStart[n] = di;
        nGroups = n;
        groupCategory = new int[n];
        dtCount = new int[n];
        slotStart = new int[n + 1];
        imageRankStart = new int[nImg + 1];
        for (int g = 0; g < n; g++) {
            groupCategory[g] = (int) (keys[g] % nK);
            dtCount[g] = Math.min(dtStart[g + 1] - dtStart[g], maxDet);
            slotStart[g + 1] = slotStart[g] + dtCount[g];
            imageRankStart[(int) (keys[g] / nK) + 1]++;
        }
        for (int r = 0; r < nImg; r++) {
            imageRankStart[r + 1] += imageRankStart[r];
        }
        this.imageRank = imageRank;
        int slots = slotStart[n];
        slotDet = new int[slots];
        for (int g = 0; g < n; g++) {
            for (int j = 0; j < dtCount[g]; j++) {
                slotDet[slotStart[g] + j] = dtOrder[dtStart[g] + j];
            }
        }
        outcome = new byte[slots * nA * nT];
        groupNpig = new int[n * nA];
    }

    /** IoUs and matching for every group of one image. */
    private void evaluateImage(int image) {
        int r = imageRank[image];
        for (int g = imageRankStart[r]; g < imageRankStart[r + 1]; g++) {
            evaluateGroup(g);
        }
    }

    private void evaluateGroup(int grp) {
        CocoAnnotations anns = gt.annotations();
        int g0 = gtStart[grp];
        int nGt = gtStart[grp + 1] - g0;
        int nDt = dtCount[grp];
        int s0 = slotStart[grp];
        int[] gts = new int[nGt];
        boolean[] crowd = new boolean[nGt];
        for (int j = 0; j < nGt; j++) {
            gts[j] = gtOrder[g0 + j];
            crowd[j] = anns.isCrowd(gts[j]);
        }
        // ious[d * nGt + g], g in file order; empty when either side is.
        double[] ious = nGt > 0 && nDt > 0 ? ious(gts, crowd, s0, nDt) : null;

        double[] dtArea = new double[nDt];
        for (int d = 0; d < nDt; d++) {
            dtArea[d] = dt.area(slotDet[s0 + d], type);
        }
        int[] order = new int[nGt];
        boolean[] gtIg = new boolean[nGt];
        boolean[] matched = new boolean[nGt];
        for (int a = 0; a < nA; a++) {
            double lo = areaRanges[a][0];
            double hi = areaRanges[a][1];
            // Stable sort by ignore flag: regular ground truth first, each part in file order.
            int npig = 0;
            for (int j = 0; j < nGt; j++) {
                double area = anns.area(gts[j]);
                if (!(crowd[j] || area < lo || area > hi)) {
                    order[npig++] = j;
                }
            }
            int o = npig;
            for (int j = 0; j < nGt; j++) {
                double area = anns.area(gts[j]);
                if (crowd[j] || area < lo || area > hi) {
                    order[o++] = j;
                }
            }
            for (int j = 0; j < nGt; j++) {
                gtIg[j] = j >= npig;
            }
            groupNpig[grp * nA + a] = npig;
            for (int t = 0; t < nT; t++) {
                Arrays.fill(matched, false);
                double thr = Math.min(iouThrs[t], 1 - 1e-10);
                for (int d = 0; d < nDt; d++) {
                    int m = -1;
                    if (ious != null) {
                        double best = thr;
                        int row = d * nGt;
                        for (int j = 0; j < nGt; j++) {
                            int gj = order[j];
                            if (matched[j] && !crowd[gj]) {
                                continue;
                            }
                            if (m > -1 && !gtIg[m] && gtIg[j]) {
                                break;
                            }
                            double iou = ious[row + gj];
                            if (iou < best) {
                                continue;
                            }
                            best = iou;
                            m = j;
                        }
                    }
                    boolean ignored;
                    boolean hit;
                    if (m == -1) {
                        hit = false;
                        ignored = dtArea[d] < lo || dtArea[d] > hi;
                    } else {
                        matched[m] = true;
                        // pycocotools stores the ground-truth id as the match and tests it for truth: id 0 is "none".
                        hit = anns.id(gts[order[m]]) != 0;
                        ignored = gtIg[m] || (!hit && (dtArea[d] < lo || dtArea[d] > hi));
                    }
                    outcome[((s0 + d) * nA + a) * nT + t] = ignored ? IGNORED : hit ? TRUE_POSITIVE : FALSE_POSITIVE;
                }
            }
        }
    }

    private double[] ious(int[] gts, boolean[] crowd, int s0, int nDt) {
        int nGt = gts.length;
        double[] out = new double[nDt * nGt];
        if (type == IouType.BBOX) {
            CocoAnnotations anns = gt.annotations();
            double[] g = new double[nGt * 4];
            double[] d = new double[nDt * 4];
            for (int j = 0; j < nGt; j++) {
                for (int k = 0; k < 4; k++) {
                    g[j * 4 + k] = anns.bbox(gts[j], k);
                }
            }
            for (int j = 0; j < nDt; j++) {
                int det = slotDet[s0 + j];
                for (int k = 0; k < 4; k++) {
                    d[j * 4 + k] = dt.bbox(det, k);
                }
            }
            MaskApi.bboxIou(d, nDt, g, nGt, crowd, out);
        } else {
            RleMask[] g = new RleMask[nGt];
            RleMask[] d = new RleMask[nDt];
            for (int j = 0; j < nGt; j++) {
                if (!gt.annotations().hasSegmentation(gts[j])) {
                    throw new IllegalArgumentException(gt.source() + ": annotation id " + gt.annotations().id(gts[j])
                            + " has no segmentation; segm evaluation needs one for every annotation");
                }
                g[j] = gt.rle(gts[j]);
            }
            for (int j = 0; j < nDt; j++) {
                d[j] = dt.rle(slotDet[s0 + j]);
            }
            MaskApi.iou(d, g, crowd, out);
        }
        return out;
    }

    /** Group indices bucketed by category, each bucket in image-id order. */
    private int[] groupsByCategory() {
        categoryGroupStart = new int[nK + 1];
        for (int g = 0; g < nGroups; g++) {
            categoryGroupStart[groupCategory[g] + 1]++;
        }
        for (int k = 0; k < nK; k++) {
            categoryGroupStart[k + 1] += categoryGroupStart[k];
        }
        int[] fill = Arrays.copyOf(categoryGroupStart, nK);
        int[] out = new int[nGroups];
        for (int g = 0; g < nGroups; g++) {
            out[fill[groupCategory[g]]++] = g;
        }
        return out;
    }

    /** {@code accumulate} for one category (by rank {@code k}): fills its precision and recall entries. */
    private void accumulate(int k, int[] categoryGroups, double[] precision, double[] recall) {
        int from = categoryGroupStart[k];
        int to = categoryGroupStart[k + 1];
        if (from == to) {
            return;
        }
        int[] npig = new int[nA];
        int nSlots = 0;
        for (int i = from; i < to; i++) {
            int g = categoryGroups[i];
            nSlots += dtCount[g];
            for (int a = 0; a < nA; a++) {
                npig[a] += groupNpig[g * nA + a];
            }
        }
        // Slots in concatenation order (image id, then rank in the image), then stable-sorted by score.
        int[] slots = new int[nSlots];
        int[] rank = new int[nSlots];
        double[] score = new double[nSlots];
        int p = 0;
        for (int i = from; i < to; i++) {
            int g = categoryGroups[i];
            for (int j = 0; j < dtCount[g]; j++) {
                slots[p] = slotStart[g] + j;
                rank[p] = j;
                score[p] = dt.score(slotDet[slotStart[g] + j]);
                p++;
            }
        }
        int[] order = new int[nSlots];
        for (int i = 0; i < nSlots; i++) {
            order[i] = i;
        }
        NumpyMath.argsortDescendingStable(order, 0, nSlots, score, new int[nSlots]);

        int nM = maxDets.length;
        int[] kept = new int[nSlots];
        for (int m = 0; m < nM; m++) {
            int nd = 0;
            for (int i = 0; i < nSlots; i++) {
                if (rank[order[i]] < maxDets[m]) {
                    kept[nd++] = slots[order[i]];
                }
            }
            curves(kept, nd, npig, k, m, precision, recall);
        }
    }

    /**
     * The precision-recall curves of one (category, maxDets) for every area range and IoU threshold, in one pass over
     * the detections in score order (their outcomes for all ranges and thresholds are adjacent in memory).
     * pycocotools computes {@code rc = tp / npig} and {@code pr = tp / (tp + fp + eps)} at every position, replaces
     * {@code pr} by its running maximum from the right, and reads it at
     * {@code searchsorted(rc, recThrs, side='left')}. The same values come out here without the arrays: the positions
     * where each recall threshold is first reached split the detections into blocks, each block keeps its largest
     * precision, and the maximum from the right is taken over blocks at the end (maxima of the same doubles, so the
     * numbers are identical). An ignored detection repeats the previous {@code rc} and {@code pr}, so it changes
     * nothing, except in first position where both are 0. Ranges without non-ignored ground truth stay -1.
     */
    private void curves(int[] kept, int nd, int[] npig, int k, int m, double[] precision, double[] recall) {
        int nR = recThrs.length;
        int nM = maxDets.length;
        int nS = nA * nT;
        double eps = Math.ulp(1.0);
        // State per (area, threshold) s = a * nT + t.
        double[] tp = new double[nS];
        double[] fp = new double[nS];
        double[] rc = new double[nS];
        double[] pr = new double[nS];
        // placed[s]: recall thresholds reached so far; blockMax[s * nR + r]: largest pr from where threshold r was
        // first reached up to where the next one was.
        int[] placed = new int[nS];
        double[] blockMax = new double[nS * nR];
        Arrays.fill(blockMax, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < nd; i++) {
            int base = kept[i] * nS;
            for (int sIdx = 0; sIdx < nS; sIdx++) {
                int np = npig[sIdx / nT];
                if (np == 0) {
                    continue;
                }
                byte out = outcome[base + sIdx];
                if (out == TRUE_POSITIVE) {
                    tp[sIdx]++;
                    rc[sIdx] = tp[sIdx] / np;
                    pr[sIdx] = tp[sIdx] / (fp[sIdx] + tp[sIdx] + eps);
                } else if (out == FALSE_POSITIVE) {
                    fp[sIdx]++;
                    pr[sIdx] = tp[sIdx] / (fp[sIdx] + tp[sIdx] + eps);
                } else if (i > 0) {
                    continue;
                }
                int r = placed[sIdx];
                while (r < nR && rc[sIdx] >= recThrs[r]) {
                    r++;
                }
                placed[sIdx] = r;
                int block = sIdx * nR + r - 1;
                if (r > 0 && pr[sIdx] > blockMax[block]) {
                    blockMax[block] = pr[sIdx];
                }
            }
        }
        for (int a = 0; a < nA; a++) {
            if (npig[a] == 0) {
                continue;
            }
            for (int t = 0; t < nT; t++) {
                int sIdx = a * nT + t;
                recall[((t * nK + k) * nA + a) * nM + m] = nd > 0 ? rc[sIdx] : 0;
                double suffix = Double.NEGATIVE_INFINITY;
                for (int r = nR - 1; r >= 0; r--) {
                    double q = 0;
                    if (r < placed[sIdx]) {
                        suffix = Math.max(suffix, blockMax[sIdx * nR + r]);
                        q = suffix;
                    }
                    precision[(((t * nR + r) * nK + k) * nA + a) * nM + m] = q;
                }
            }
        }
    }

    /** Ranks of {@code n} items by ascending id (ids are unique). */
    private static int[] rankByIds(int n, IntToLongFunction id) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = id.applyAsLong(i);
        }
        int[] order = sortByKey(ids, null);
        int[] rank = new int[n];
        for (int r = 0; r < n; r++) {
            rank[order[r]] = r;
        }
        return rank;
    }

    /**
     * Indices sorted by ascending key, stable; with {@code scores}, equal keys are further sorted by descending score
     * (stable), which is pycocotools' per-(image, category) detection order.
     */
    private static int[] sortByKey(long[] key, double[] scores) {
        int n = key.length;
        int[] idx = IdIndex.ascendingOrder(key, n);
        if (scores != null) {
            int[] tmp = new int[n];
            int i = 0;
            while (i < n) {
                int j = i + 1;
                while (j < n && key[idx[j]] == key[idx[i]]) {
                    j++;
                }
                NumpyMath.argsortDescendingStable(idx, i, j, scores, tmp);
                i = j;
            }
        }
        return idx;
    }
}
