package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Pads bottom and right (mmcv {@code Pad}): to a fixed {@code size}, or to the next multiple of
 * {@code sizeDivisor}. The image gets {@code imageValue}, the label map {@code labelValue}; the unpadded size stays
 * in the sample's {@link ImageMeta} and targets do not move. An image already larger than {@code size} is refused.
 * Padding a whole batch to a common size is the collate step's job; this is for per-sample padding.
 */
public final class Pad implements Transform {

    /**
     * @param size {@code [height, width]} to pad to, or {@code null} to use {@code sizeDivisor}
     * @param sizeDivisor pad each side up to a multiple of this (used when {@code size} is null)
     * @param imageValue value of padded image pixels
     * @param labelValue value of padded label pixels (the ignore index)
     */
    public record Config(int[] size, int sizeDivisor, float imageValue, int labelValue) {
        public Config {
            if (size != null) {
                if (size.length != 2 || size[0] <= 0 || size[1] <= 0) {
                    throw new IllegalArgumentException("size must be [height, width] > 0, got " + Arrays.toString(size));
                }
                size = size.clone();
            } else if (sizeDivisor <= 0) {
                throw new IllegalArgumentException("set size or a size_divisor > 0, got size_divisor " + sizeDivisor);
            }
            if (labelValue < 0 || labelValue > 255) {
                throw new IllegalArgumentException("label_value must fit in 8 bits, got " + labelValue);
            }
        }

        /** Pad to a multiple of 32 with 0 for the image and 255 for labels. */
        public static Config defaults() {
            return new Config(null, 32, 0f, 255);
        }
    }

    private final Config config;

    public Pad(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        Planar<GrayF32> img = sample.image();
        int h;
        int w;
        if (config.size() != null) {
            h = config.size()[0];
            w = config.size()[1];
            if (img.height > h || img.width > w) {
                throw new IllegalStateException("image " + img.width + "x" + img.height + " is larger than the pad size "
                        + w + "x" + h);
            }
        } else {
            h = roundUp(img.height, config.sizeDivisor());
            w = roundUp(img.width, config.sizeDivisor());
        }
        if (h == img.height && w == img.width) {
            return;
        }
        Planar<GrayF32> out = new Planar<>(GrayF32.class, w, h, img.getNumBands());
        for (int b = 0; b < img.getNumBands(); b++) {
            GrayF32 dst = out.getBand(b);
            Arrays.fill(dst.data, config.imageValue());
            dst.subimage(0, 0, img.width, img.height, null).setTo(img.getBand(b));
        }
        GrayU8 labels = sample.labels();
        GrayU8 paddedLabels = null;
        if (labels != null) {
            paddedLabels = new GrayU8(w, h);
            Arrays.fill(paddedLabels.data, (byte) config.labelValue());
            paddedLabels.subimage(0, 0, labels.width, labels.height, null).setTo(labels);
        }
        sample.replace(out, paddedLabels, sample.width(), sample.height());
    }

    /** {@code value} rounded up to a multiple of {@code divisor}. */
    public static int roundUp(int value, int divisor) {
        return (value + divisor - 1) / divisor * divisor;
    }
}
