package dev.densepred.detection.rpn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.engine.train.Losses;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link RpnHead} losses and proposals on hand-made head outputs, against the positives and the averaging factor
 * worked out independently here (brute-force IoU over the anchors, mmdetection's rules).
 */
class RpnHeadTest {

    private static final int IMG = 64;

    /** Mask R-CNN's RPN on a 64x64 image: levels 16x16 ... 1x1, three anchors per location. */
    private static RpnHead head() {
        return new RpnHead(new RpnHead.Config(4, 4, AnchorGenerator.Config.defaults(), DeltaXywhCoder.Config.defaults(), 1.0, 1.0));
    }

    private static List<ImageMeta> metas(int n) {
        List<ImageMeta> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ImageMeta(IMG, IMG, IMG, IMG, 1, 1, false, IMG, IMG));
        }
        return out;
    }

    /** Head outputs with every objectness logit {@code c} and the given deltas ({@code [T * 4]} in anchor order per image, or zeros). */
    private static RpnHead.Output output(NDManager m, int n, float c, float[][] deltas) {
        List<NDArray> cls = new ArrayList<>();
        List<NDArray> reg = new ArrayList<>();
        int offset = 0;
        for (int l = 0; l < 5; l++) {
            int s = IMG / (4 << l);
            cls.add(m.full(new Shape(n, 3, s, s), c, DataType.FLOAT32));
            float[] r = new float[n * 12 * s * s];
            for (int i = 0; i < n; i++) {
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        for (int a = 0; a < 3; a++) {
                            int row = offset + (y * s + x) * 3 + a;
                            for (int k = 0; k < 4; k++) {
                                r[((i * 12 + a * 4 + k) * s + y) * s + x] = deltas == null ? 0f : deltas[i][row * 4 + k];
                            }
                        }
                    }
                }
            }
            reg.add(m.create(r, new Shape(n, 12, s, s)));
            offset += s * s * 3;
        }
        return new RpnHead.Output(cls, reg);
    }

    private static float[] allAnchors(NDManager m) {
        List<int[]> sizes = new ArrayList<>();
        for (int l = 0; l < 5; l++) {
            sizes.add(new int[] {IMG / (4 << l), IMG / (4 << l)});
        }
        List<NDArray> levels = new AnchorGenerator(AnchorGenerator.Config.defaults()).gridPriors(m, sizes);
        float[] out = new float[0];
        for (NDArray a : levels) {
            float[] f = a.toFloatArray();
            float[] joined = Arrays.copyOf(out, out.length + f.length);
            System.arraycopy(f, 0, joined, out.length, f.length);
            out = joined;
        }
        return out;
    }

    private static double iou(float[] a, int i, float[] b) {
        double iw = Math.max(0, Math.min(a[4 * i + 2], b[2]) - Math.max(a[4 * i], b[0]));
        double ih = Math.max(0, Math.min(a[4 * i + 3], b[3]) - Math.max(a[4 * i + 1], b[1]));
        double inter = iw * ih;
        double union = (a[4 * i + 2] - a[4 * i]) * (a[4 * i + 3] - a[4 * i + 1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        return inter / union;
    }

    /** Positive anchors of one gt box by mmdetection's MaxIoU rules (0.7, low-quality matches >= 0.3, all maxima). */
    private static List<Integer> positives(float[] anchors, float[] gt) {
        int t = anchors.length / 4;
        double best = 0;
        for (int i = 0; i < t; i++) {
            best = Math.max(best, iou(anchors, i, gt));
        }
        List<Integer> pos = new ArrayList<>();
        for (int i = 0; i < t; i++) {
            double v = iou(anchors, i, gt);
            if (v >= 0.7 || (best >= 0.3 && (float) v == (float) best)) {
                pos.add(i);
            }
        }
        return pos;
    }

    /** {@code bbox2delta} of anchor {@code i} to {@code gt}, stds 1. */
    private static double[] delta(float[] a, int i, float[] gt) {
        double pw = a[4 * i + 2] - a[4 * i];
        double ph = a[4 * i + 3] - a[4 * i + 1];
        double px = (a[4 * i] + a[4 * i + 2]) * 0.5;
        double py = (a[4 * i + 1] + a[4 * i + 3]) * 0.5;
        double gw = gt[2] - gt[0];
        double gh = gt[3] - gt[1];
        return new double[] {((gt[0] + gt[2]) * 0.5 - px) / pw, ((gt[1] + gt[3]) * 0.5 - py) / ph, Math.log(gw / pw), Math.log(gh / ph)};
    }

    @Test
    void lossesAverageOverAllSampledAnchorsOfTheBatch() {
        float[][] gts = {{10, 12, 40, 36}, {30, 5, 62, 60}};
        try (NDManager m = NDManager.newBaseManager()) {
            RpnHead head = head();
            float[] anchors = allAnchors(m);
            float c = 0.8f;
            List<NDArray> gtBoxes = List.of(m.create(gts[0], new Shape(1, 4)), m.create(gts[1], new Shape(1, 4)));
            Losses losses = head.loss(output(m, 2, c, null), metas(2), gtBoxes, RpnHead.TrainConfig.defaults(), new SplittableRandom(1));
            // Few positives, plenty of negatives: each image samples 256 anchors, P_i positive; avg_factor = 512.
            double bcePos = Math.log1p(Math.exp(-c));
            double bceNeg = c + Math.log1p(Math.exp(-c));
            double cls = 0;
            double bbox = 0;
            for (float[] gt : gts) {
                List<Integer> pos = positives(anchors, gt);
                assertTrue(pos.size() < 128, "all positives are sampled");
                cls += pos.size() * bcePos + (256 - pos.size()) * bceNeg;
                for (int i : pos) {
                    for (double d : delta(anchors, i, gt)) {
                        bbox += Math.abs(d);
                    }
                }
            }
            assertEquals(cls / 512, losses.values().get("loss_rpn_cls").getFloat(), 1e-5);
            assertEquals(bbox / 512, losses.values().get("loss_rpn_bbox").getFloat(), 1e-5);
        }
    }

    @Test
    void perfectDeltasGiveZeroRegressionLoss() {
        float[] gt = {7.5f, 20, 50, 41};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] anchors = allAnchors(m);
            float[] deltas = new float[anchors.length];
            List<Integer> pos = positives(anchors, gt);
            for (int i : pos) {
                double[] d = delta(anchors, i, gt);
                for (int k = 0; k < 4; k++) {
                    deltas[4 * i + k] = (float) d[k];
                }
            }
            Losses losses = head().loss(output(m, 1, 0f, new float[][] {deltas}), metas(1), List.of(m.create(gt, new Shape(1, 4))),
                    RpnHead.TrainConfig.defaults(), new SplittableRandom(2));
            assertEquals(0, losses.values().get("loss_rpn_bbox").getFloat(), 1e-6);
            assertEquals(Math.log(2), losses.values().get("loss_rpn_cls").getFloat(), 1e-6, "every sampled anchor at logit 0");
        }
    }

    @Test
    void proposalsAreClippedFilteredAndSuppressedPerLevel() {
        try (NDManager m = NDManager.newBaseManager()) {
            // Two levels with the same stride: identical anchors on both, so NMS across levels would drop one copy of each box.
            AnchorGenerator.Config anchors = new AnchorGenerator.Config(List.of(16, 16), List.of(1.0), List.of(2.0), List.of(), true, 0.0);
            RpnHead head = new RpnHead(new RpnHead.Config(4, 4, anchors, DeltaXywhCoder.Config.defaults(), 1.0, 1.0));
            SplittableRandom r = new SplittableRandom(5);
            float[] scores = new float[16];
            for (int i = 0; i < 16; i++) {
                scores[i] = (float) (r.nextGaussian() * 0.5);
            }
            NDArray cls = m.create(scores, new Shape(1, 1, 4, 4));
            NDArray reg = m.zeros(new Shape(1, 4, 4, 4));
            RpnHead.Output out = new RpnHead.Output(List.of(cls, cls.add(5f)), List.of(reg, reg));
            List<NDArray> props = head.proposals(out, metas(1), new RpnHead.ProposalConfig(1000, 1000, 0.7, 0));
            // Expected per level: anchors 32x32 centred at (16x, 16y) clipped to the image, greedy NMS 0.7 in score
            // order; every score of level 1 is above every score of level 0, so level 1's boxes come first.
            float[] boxes = new float[16 * 4];
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    int i = y * 4 + x;
                    boxes[4 * i] = Math.max(0, 16 * x - 16);
                    boxes[4 * i + 1] = Math.max(0, 16 * y - 16);
                    boxes[4 * i + 2] = Math.min(IMG, 16 * x + 16);
                    boxes[4 * i + 3] = Math.min(IMG, 16 * y + 16);
                }
            }
            Integer[] order = new Integer[16];
            for (int i = 0; i < 16; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
            List<Integer> kept = new ArrayList<>();
            for (int i : order) {
                boolean suppressed = false;
                for (int k : kept) {
                    suppressed |= iou(boxes, i, Arrays.copyOfRange(boxes, 4 * k, 4 * k + 4)) > 0.7;
                }
                if (!suppressed) {
                    kept.add(i);
                }
            }
            float[] expected = new float[2 * 4 * kept.size()];
            for (int copy = 0; copy < 2; copy++) {
                for (int j = 0; j < kept.size(); j++) {
                    System.arraycopy(boxes, 4 * kept.get(j), expected, 4 * (copy * kept.size() + j), 4);
                }
            }
            assertArrayEquals(expected, props.get(0).toFloatArray(), 1e-5f);

            List<NDArray> capped = head.proposals(out, metas(1), new RpnHead.ProposalConfig(3, 4, 0.7, 0));
            assertEquals(new Shape(4, 4), capped.get(0).getShape(), "nms_pre 3 per level, then max_per_img 4");
        }
    }
}
