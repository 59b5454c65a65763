package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.image.BilinearResize;
import dev.densepred.datasets.image.NearestResize;

import java.util.random.RandomGenerator;

/**
 * Resize to a scale (mmcv/mmdet {@code Resize}): with {@code keepRatio}, as large as possible within the scale's
 * long and short edge ({@code rescale_size}); otherwise to exactly {@code scale = [width, height]}. The image is
 * resized bilinearly ({@link BilinearResize}), the label map with nearest neighbour ({@link NearestResize}), and
 * targets are scaled by the per-axis factors {@code new / old}.
 */
public final class Resize implements Transform {

    /**
     * @param scale {@code [width, height]}; with {@code keepRatio} the order does not matter (long and short edge)
     * @param keepRatio keep the aspect ratio (mmcv {@code keep_ratio})
     */
    public record Config(int[] scale, boolean keepRatio) {
        public Config {
            checkScale(scale);
            scale = scale.clone();
        }

        /** mmdet's Mask R-CNN training scale: (1333, 800), keep ratio. */
        public static Config defaults() {
            return new Config(new int[] {1333, 800}, true);
        }
    }

    private final Config config;

    public Resize(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        int[] scale = config.scale();
        if (config.keepRatio()) {
            int[] size = rescaleSize(sample.width(), sample.height(), scale[0], scale[1]);
            resizeTo(sample, size[0], size[1]);
        } else {
            resizeTo(sample, scale[0], scale[1]);
        }
    }

    /**
     * mmcv {@code rescale_size}: factor {@code min(long / max(w, h), short / min(w, h))} of the scale's edges,
     * new size {@code (int) (w * factor + 0.5)} per axis. Returns {@code [width, height]}.
     */
    public static int[] rescaleSize(int width, int height, int scaleA, int scaleB) {
        double longEdge = Math.max(scaleA, scaleB);
        double shortEdge = Math.min(scaleA, scaleB);
        double factor = Math.min(longEdge / Math.max(width, height), shortEdge / Math.min(width, height));
        return new int[] {(int) (width * factor + 0.5), (int) (height * factor + 0.5)};
    }

    /**
     * Resizes image, label map and targets of {@code sample} to {@code width x height}. An already padded
     * sample is refused: resizing would stretch the padding into the content.
     */
    public static void resizeTo(ImageSample sample, int width, int height) {
        Planar<GrayF32> img = sample.image();
        if (img.width != sample.width() || img.height != sample.height()) {
            throw new IllegalStateException("resize after Pad: pad last (content " + sample.width() + "x"
                    + sample.height() + ", padded " + img.width + "x" + img.height + ")");
        }
        if (width == img.width && height == img.height) {
            return;
        }
        double sx = (double) width / img.width;
        double sy = (double) height / img.height;
        GrayU8 labels = sample.labels();
        sample.replace(BilinearResize.resize(img, width, height),
                labels == null ? null : NearestResize.resize(labels, width, height), width, height);
        sample.recordScale(sx, sy);
        for (Geometry g : sample.targets()) {
            g.rescale(sx, sy, width, height);
        }
    }

    static void checkScale(int[] scale) {
        if (scale == null || scale.length != 2 || scale[0] <= 0 || scale[1] <= 0) {
            throw new IllegalArgumentException("scale must be two positive integers [width, height], got "
                    + (scale == null ? "null" : java.util.Arrays.toString(scale)));
        }
    }
}
