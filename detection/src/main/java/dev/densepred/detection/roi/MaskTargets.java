package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.box.BoxOps;

/**
 * Mask R-CNN's mask targets: each positive RoI's ground-truth bitmap cropped and resized to {@code size x size},
 * mmdetection's {@code mask_target_single}: the RoI is clipped to the mask ({@code x} to {@code [0, W]}, {@code y}
 * to {@code [0, H]}), then {@code BitmapMasks.crop_and_resize}: RoIAlign on the bitmap with {@code aligned=True},
 * {@code sampling_ratio=0}, scale 1, and a pixel is 1 where the average is {@code >= 0.5}.
 *
 * <p>Targets need no gradient and the bitmaps come from the data pipeline on the host, so this runs on the host, in
 * the float32 operation order of the reference's CPU kernel (sample by sample), which matters at the 0.5 threshold.
 * Device masks cross to the host in one bulk copy (as uint8).
 */
public final class MaskTargets {

    /**
     * Settings.
     *
     * @param maskSize target side in pixels (mmdetection's {@code train_cfg.rcnn.mask_size})
     */
    public record Config(int maskSize) {

        public Config {
            if (maskSize <= 0) {
                throw new IllegalArgumentException("mask_size must be positive, found " + maskSize);
            }
        }

        /** Mask R-CNN's 28 x 28. */
        public static Config defaults() {
            return new Config(28);
        }
    }

    private final Config config;

    public MaskTargets(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Targets for positive RoIs {@code proposals} ({@code [P, 4]}) matched to ground truths {@code gtInds} (0-based,
     * one per RoI) whose bitmaps are {@code masks} ({@code [K, H, W]}, values 0 or 1, any numeric type):
     * float32 {@code [P, size, size]} of 0 and 1, in the proposals' manager.
     */
    public NDArray targets(NDArray masks, NDArray proposals, int[] gtInds) {
        Shape ms = masks.getShape();
        if (ms.dimension() != 3) {
            throw new IllegalArgumentException("masks: expected [K, H, W] bitmaps, found " + masks.getDataType() + " " + ms);
        }
        byte[] bits = masks.toType(DataType.UINT8, false).toByteArray();
        return targets(bits, Math.toIntExact(ms.get(0)), Math.toIntExact(ms.get(1)), Math.toIntExact(ms.get(2)), proposals, gtInds);
    }

    /**
     * As {@link #targets(NDArray, NDArray, int[])} with host bitmaps: {@code count} masks of {@code height x width}
     * bytes (0 or 1), row-major one after another.
     */
    public NDArray targets(byte[] masks, int count, int height, int width, NDArray proposals, int[] gtInds) {
        BoxOps.checkBoxes("proposals", proposals);
        int p = Math.toIntExact(proposals.getShape().get(0));
        if (gtInds.length != p) {
            throw new IllegalArgumentException("mask targets: " + p + " proposals but " + gtInds.length + " gt indices");
        }
        float[] boxes = proposals.toFloatArray();
        for (int i = 0; i < p; i++) {
            boxes[4 * i] = clamp(boxes[4 * i], width);
            boxes[4 * i + 1] = clamp(boxes[4 * i + 1], height);
            boxes[4 * i + 2] = clamp(boxes[4 * i + 2], width);
            boxes[4 * i + 3] = clamp(boxes[4 * i + 3], height);
        }
        float[] out = cropAndResize(masks, count, height, width, boxes, gtInds, config.maskSize());
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] >= 0.5f ? 1f : 0f;
        }
        int s = config.maskSize();
        return proposals.getManager().create(out, new Shape(p, s, s));
    }

    /**
     * RoIAlign (aligned, adaptive sampling, scale 1) of mask {@code inds[i]} over box {@code i}, before
     * binarisation: {@code [P * size * size]}.
     */
    static float[] cropAndResize(byte[] masks, int count, int height, int width, float[] boxes, int[] inds, int size) {
        if ((long) count * height * width != masks.length) {
            throw new IllegalArgumentException("masks: " + masks.length + " bytes do not hold " + count + " masks of "
                    + height + "x" + width);
        }
        int p = inds.length;
        RoiAlign.Config layer = new RoiAlign.Config(size, 0, true);
        float[] roi = new float[5];
        float[] out = new float[p * size * size];
        SamplingMatrix.Lerp lerp = new SamplingMatrix.Lerp();
        for (int i = 0; i < p; i++) {
            if (inds[i] < 0 || inds[i] >= count) {
                throw new IllegalArgumentException("gt index " + inds[i] + " of RoI " + i + " is outside the " + count + " masks");
            }
            System.arraycopy(boxes, 4 * i, roi, 1, 4);
            SamplingMatrix.Geometry g = SamplingMatrix.Geometry.of(roi, 0, 1.0, layer);
            Samples ys = Samples.of(lerp, g.startH, g.binH, g.gridH, size, height);
            Samples xs = Samples.of(lerp, g.startW, g.binW, g.gridW, size, width);
            int base = inds[i] * height * width;
            for (int ph = 0; ph < size; ph++) {
                for (int pw = 0; pw < size; pw++) {
                    float value = 0;
                    for (int iy = ph * g.gridH; iy < (ph + 1) * g.gridH; iy++) {
                        if (!ys.valid[iy]) {
                            continue;
                        }
                        int rowLow = base + ys.low[iy] * width;
                        int rowHigh = base + ys.high[iy] * width;
                        for (int ix = pw * g.gridW; ix < (pw + 1) * g.gridW; ix++) {
                            if (!xs.valid[ix]) {
                                continue;
                            }
                            float w1 = ys.h[iy] * xs.h[ix];
                            float w2 = ys.h[iy] * xs.l[ix];
                            float w3 = ys.l[iy] * xs.h[ix];
                            float w4 = ys.l[iy] * xs.l[ix];
                            value += w1 * (masks[rowLow + xs.low[ix]] & 0xff) + w2 * (masks[rowLow + xs.high[ix]] & 0xff)
                                    + w3 * (masks[rowHigh + xs.low[ix]] & 0xff) + w4 * (masks[rowHigh + xs.high[ix]] & 0xff);
                        }
                    }
                    out[(i * size + ph) * size + pw] = value / g.count;
                }
            }
        }
        return out;
    }

    private static float clamp(float v, int max) {
        return Math.min(Math.max(v, 0f), max);
    }

    /** One axis's samples of one RoI, bin by bin ({@code size * grid} entries). */
    private record Samples(boolean[] valid, int[] low, int[] high, float[] l, float[] h) {

        static Samples of(SamplingMatrix.Lerp lerp, float start, float bin, int grid, int size, int extent) {
            int n = Math.max(grid, 0) * size;
            Samples s = new Samples(new boolean[n], new int[n], new int[n], new float[n], new float[n]);
            for (int p = 0; p < size; p++) {
                for (int i = 0; i < grid; i++) {
                    int k = p * grid + i;
                    s.valid[k] = lerp.at(SamplingMatrix.position(start, p, bin, i, grid), extent);
                    s.low[k] = lerp.low;
                    s.high[k] = lerp.high;
                    s.l[k] = lerp.l;
                    s.h[k] = lerp.h;
                }
            }
            return s;
        }
    }
}
