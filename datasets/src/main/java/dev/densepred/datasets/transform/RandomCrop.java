package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Random crop of at most {@code cropSize} (mmseg {@code RandomCrop}): the window's top-left corner is uniform over
 * the valid offsets and the window is clipped to the image. With {@code catMaxRatio < 1} a window is accepted only
 * if its label map holds more than one class and no class covers {@code catMaxRatio} or more of the labelled
 * pixels ({@code ignoreIndex} not counted); after 10 rejected windows the next one is taken as it is, as mmseg does.
 */
public final class RandomCrop implements Transform {

    private static final int TRIES = 10;

    /**
     * @param cropSize {@code [height, width]} (mmseg's order)
     * @param catMaxRatio largest share of one class in an accepted window; 1 disables the check
     * @param ignoreIndex label value left out of the class counts
     */
    public record Config(int[] cropSize, double catMaxRatio, int ignoreIndex) {
        public Config {
            if (cropSize == null || cropSize.length != 2 || cropSize[0] <= 0 || cropSize[1] <= 0) {
                throw new IllegalArgumentException("crop_size must be [height, width] > 0, got " + Arrays.toString(cropSize));
            }
            cropSize = cropSize.clone();
        }

        /** mmseg ADE20K: 512x512, cat_max_ratio 0.75, ignore 255. */
        public static Config defaults() {
            return new Config(new int[] {512, 512}, 0.75, 255);
        }
    }

    private final Config config;

    public RandomCrop(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        int[] window = window(sample, rng);
        crop(sample, window[0], window[1], window[2], window[3]);
    }

    /** The chosen window {@code [x, y, width, height]}. */
    int[] window(ImageSample sample, RandomGenerator rng) {
        int[] win = randomWindow(sample, rng);
        if (config.catMaxRatio() < 1) {
            GrayU8 labels = sample.labels();
            if (labels == null) {
                throw new IllegalStateException("RandomCrop with cat_max_ratio < 1 needs a label map");
            }
            int[] counts = new int[256];
            for (int t = 0; t < TRIES && !accept(labels, win, counts); t++) {
                win = randomWindow(sample, rng);
            }
        }
        return win;
    }

    private int[] randomWindow(ImageSample sample, RandomGenerator rng) {
        int h = sample.height();
        int w = sample.width();
        int marginH = Math.max(h - config.cropSize()[0], 0);
        int marginW = Math.max(w - config.cropSize()[1], 0);
        // mmseg draws the row offset first.
        int y = rng.nextInt(marginH + 1);
        int x = rng.nextInt(marginW + 1);
        return new int[] {x, y, Math.min(config.cropSize()[1], w - x), Math.min(config.cropSize()[0], h - y)};
    }

    private boolean accept(GrayU8 labels, int[] win, int[] counts) {
        Arrays.fill(counts, 0);
        final byte[] d = labels.data;
        for (int y = win[1]; y < win[1] + win[3]; y++) {
            final int base = labels.startIndex + y * labels.stride;
            for (int i = base + win[0]; i < base + win[0] + win[2]; i++) {
                counts[d[i] & 0xFF]++;
            }
        }
        int classes = 0;
        long total = 0;
        int max = 0;
        for (int v = 0; v < 256; v++) {
            if (v == config.ignoreIndex() || counts[v] == 0) {
                continue;
            }
            classes++;
            total += counts[v];
            max = Math.max(max, counts[v]);
        }
        return classes > 1 && (double) max / total < config.catMaxRatio();
    }

    /** Crops image, label map and targets of {@code sample} to the given window. */
    public static void crop(ImageSample sample, int x, int y, int width, int height) {
        Planar<GrayF32> img = sample.image();
        if (img.width != sample.width() || img.height != sample.height()) {
            throw new IllegalStateException("crop after Pad: pad last");
        }
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > img.width || y + height > img.height) {
            throw new IllegalArgumentException("crop window " + x + "," + y + " " + width + "x" + height
                    + " outside the " + img.width + "x" + img.height + " image");
        }
        Planar<GrayF32> out = img.subimage(x, y, x + width, y + height, null).clone();
        GrayU8 labels = sample.labels();
        sample.replace(out, labels == null ? null : labels.subimage(x, y, x + width, y + height, null).clone(), width, height);
        for (Geometry g : sample.targets()) {
            g.crop(x, y, width, height);
        }
    }
}
