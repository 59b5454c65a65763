package dev.densepred.datasets.ade;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.datasets.transform.RandomFlip;
import dev.densepred.datasets.transform.Resize;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The multi-scale and flip views of mmseg's {@code tta_pipeline} ({@code TestTimeAug} over
 * {@code Resize(scale_factor=r, keep_ratio=True)} for each ratio and {@code RandomFlip(prob=0)}, {@code RandomFlip(prob=1)}):
 * in that order, ratio-major, each view resized from the original image, then mirrored if it is a flip view, then
 * passed through {@code pipeline} (normalisation).
 *
 * <p>A view's size is mmcv's: the target {@code (int(w r + 0.5), int(h r + 0.5))} of the original size, then
 * {@code rescale_size} to it keeping the ratio. With {@code scale} set, ratios multiply that scale instead
 * ({@code (int(W r), int(H r))}, mmseg 0.x {@code MultiScaleFlipAug(img_scale, img_ratios)}).
 *
 * @see Resize#rescaleSize
 */
public final class TestTimeAug {

    /**
     * @param imgRatios scale ratios
     * @param flip also a mirrored view of each scale
     * @param scale {@code [width, height]} the ratios multiply (mmseg 0.x), or null for the image's own size (mmseg 1.x)
     * @param pipeline transforms after resize and flip, usually {@code [{"type": "Normalize"}]}
     */
    public record Config(double[] imgRatios, boolean flip, int[] scale, List<dev.densepred.engine.config.Config> pipeline) {
        public Config {
            if (imgRatios == null || imgRatios.length == 0) {
                throw new IllegalArgumentException("img_ratios needs at least one ratio");
            }
            for (double r : imgRatios) {
                if (!(r > 0)) {
                    throw new IllegalArgumentException("img_ratios must be > 0, got " + r);
                }
            }
            if (scale != null && (scale.length != 2 || scale[0] <= 0 || scale[1] <= 0)) {
                throw new IllegalArgumentException("scale must be [width, height] > 0 or null");
            }
            imgRatios = imgRatios.clone();
            scale = scale == null ? null : scale.clone();
            pipeline = List.copyOf(pipeline);
        }

        /** mmseg's ADE20K TTA: ratios 0.5..1.75 of the image's size, with flip, then Normalize. */
        public static Config defaults() {
            return new Config(new double[] {0.5, 0.75, 1.0, 1.25, 1.5, 1.75}, true, null, List.of());
        }
    }

    private final Config config;
    private final Pipeline pipeline;

    public TestTimeAug(Config config) {
        this.config = config;
        this.pipeline = Pipeline.fromConfig(config.pipeline());
    }

    public Config config() {
        return config;
    }

    /** Views per image. */
    public int viewCount() {
        return config.imgRatios().length * (config.flip() ? 2 : 1);
    }

    /** {@code [width, height]} of the view at {@code ratio} of a {@code width x height} image. */
    public int[] viewSize(int width, int height, double ratio) {
        int tw;
        int th;
        if (config.scale() == null) {
            tw = (int) (width * ratio + 0.5);
            th = (int) (height * ratio + 0.5);
        } else {
            tw = (int) (config.scale()[0] * ratio);
            th = (int) (config.scale()[1] * ratio);
        }
        return Resize.rescaleSize(width, height, tw, th);
    }

    /** The views of {@code image} (left untouched), in mmseg's order. */
    public List<ImageSample> views(Planar<GrayF32> image, RandomGenerator rng) {
        List<ImageSample> out = new ArrayList<>(viewCount());
        for (double r : config.imgRatios()) {
            int[] size = viewSize(image.width, image.height, r);
            for (int f = 0; f < (config.flip() ? 2 : 1); f++) {
                ImageSample s = new ImageSample(image.clone(), null);
                Resize.resizeTo(s, size[0], size[1]);
                if (f == 1) {
                    RandomFlip.flip(s);
                }
                pipeline.apply(s, rng);
                out.add(s);
            }
        }
        return out;
    }
}
