package dev.densepred.datasets.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Pad;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The collate step (mmdet {@code DetDataPreprocessor} / mmseg {@code SegDataPreProcessor} batching): images of
 * different sizes into one NCHW float32 array of the batch's largest height and width, rounded up to
 * {@code sizeDivisor} (or a fixed {@code size}), padded bottom/right with {@code imageValue}; label maps likewise
 * with {@code labelValue}. This is the only place the data pipeline creates NDArrays, in the caller's manager.
 * Not thread-safe: one instance per consumer thread (it reuses its host staging buffer between batches).
 */
public final class Collate {

    /**
     * @param sizeDivisor round the padded batch size up to a multiple of this (mmdet's {@code pad_size_divisor})
     * @param size {@code [height, width]} to pad every batch to (mmseg's {@code size}), or {@code null}
     * @param imageValue value of padded image pixels (after normalisation, as mmdet: 0)
     * @param labelValue value of padded label pixels
     * @param labelType element type of the label array
     */
    public record Config(int sizeDivisor, int[] size, float imageValue, int labelValue, LabelType labelType) {
        public Config {
            if (sizeDivisor <= 0) {
                throw new IllegalArgumentException("size_divisor must be >= 1, got " + sizeDivisor);
            }
            if (size != null) {
                if (size.length != 2 || size[0] <= 0 || size[1] <= 0) {
                    throw new IllegalArgumentException("size must be [height, width] > 0, got " + Arrays.toString(size));
                }
                size = size.clone();
            }
            if (labelValue < 0 || labelValue > 255) {
                throw new IllegalArgumentException("label_value must be 0..255, got " + labelValue);
            }
        }

        /** mmdet's Mask R-CNN batching: divisor 32, image padding 0, label padding 255, int64 labels. */
        public static Config defaults() {
            return new Config(32, null, 0f, 255, LabelType.INT64);
        }
    }

    /** Element type of the collated label maps. */
    public enum LabelType {
        /** What cross-entropy takes as targets. */
        INT64,
        /** An eighth of the bytes to copy; convert on the device. */
        UINT8
    }

    private final Config config;
    private ByteBuffer staging = ByteBuffer.allocate(0);

    public Collate(Config config) {
        this.config = config;
    }

    /** Copies {@code samples} into one batch whose arrays belong to {@code manager}. */
    public ImageBatch collate(List<ImageSample> samples, NDManager manager) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty batch");
        }
        int maxH = 0;
        int maxW = 0;
        boolean anyLabels = false;
        boolean allLabels = true;
        for (ImageSample s : samples) {
            maxH = Math.max(maxH, s.image().height);
            maxW = Math.max(maxW, s.image().width);
            anyLabels |= s.labels() != null;
            allLabels &= s.labels() != null;
        }
        if (anyLabels != allLabels) {
            throw new IllegalArgumentException("some samples of the batch have label maps and some do not");
        }
        int h;
        int w;
        if (config.size() != null) {
            h = config.size()[0];
            w = config.size()[1];
            if (maxH > h || maxW > w) {
                throw new IllegalArgumentException("an image of " + maxW + "x" + maxH + " does not fit the batch size "
                        + w + "x" + h);
            }
        } else {
            h = Pad.roundUp(maxH, config.sizeDivisor());
            w = Pad.roundUp(maxW, config.sizeDivisor());
        }
        int n = samples.size();
        List<ImageMeta> metas = new ArrayList<>(n);
        for (ImageSample s : samples) {
            metas.add(s.meta());
        }
        NDArray images = manager.create(imageBytes(samples, h, w), new Shape(n, 3, h, w), DataType.FLOAT32);
        NDArray labels = null;
        if (allLabels) {
            labels = config.labelType() == LabelType.INT64
                    ? manager.create(labelBytesInt64(samples, h, w), new Shape(n, h, w), DataType.INT64)
                    : manager.create(labelBytesUint8(samples, h, w), new Shape(n, h, w), DataType.UINT8);
        }
        return new ImageBatch(images, labels, metas, h, w);
    }

    private ByteBuffer staging(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch of " + bytes + " bytes is too large to stage");
        }
        if (staging.capacity() < bytes) {
            staging = ByteBuffer.allocate((int) bytes).order(ByteOrder.nativeOrder());
        }
        staging.clear().limit((int) bytes);
        return staging;
    }

    private ByteBuffer imageBytes(List<ImageSample> samples, int h, int w) {
        ByteBuffer buf = staging((long) samples.size() * 3 * h * w * Float.BYTES);
        java.nio.FloatBuffer out = buf.asFloatBuffer();
        final float[] padRow = new float[w];
        Arrays.fill(padRow, config.imageValue());
        for (ImageSample s : samples) {
            Planar<GrayF32> img = s.image();
            final int iw = img.width;
            for (int b = 0; b < 3; b++) {
                GrayF32 band = img.getBand(b);
                for (int y = 0; y < h; y++) {
                    if (y < img.height) {
                        out.put(band.data, band.startIndex + y * band.stride, iw);
                        out.put(padRow, 0, w - iw);
                    } else {
                        out.put(padRow, 0, w);
                    }
                }
            }
        }
        return buf;
    }

    private ByteBuffer labelBytesUint8(List<ImageSample> samples, int h, int w) {
        ByteBuffer out = staging((long) samples.size() * h * w);
        final byte[] padRow = new byte[w];
        Arrays.fill(padRow, (byte) config.labelValue());
        for (ImageSample s : samples) {
            GrayU8 l = s.labels();
            for (int y = 0; y < h; y++) {
                if (y < l.height) {
                    out.put(l.data, l.startIndex + y * l.stride, l.width);
                    out.put(padRow, 0, w - l.width);
                } else {
                    out.put(padRow, 0, w);
                }
            }
        }
        return out.flip();
    }

    private ByteBuffer labelBytesInt64(List<ImageSample> samples, int h, int w) {
        ByteBuffer buf = staging((long) samples.size() * h * w * Long.BYTES);
        java.nio.LongBuffer out = buf.asLongBuffer();
        final long[] row = new long[w];
        final long pad = config.labelValue();
        for (ImageSample s : samples) {
            GrayU8 l = s.labels();
            final byte[] d = l.data;
            for (int y = 0; y < h; y++) {
                if (y < l.height) {
                    final int base = l.startIndex + y * l.stride;
                    for (int x = 0; x < l.width; x++) {
                        row[x] = d[base + x] & 0xFF;
                    }
                    Arrays.fill(row, l.width, w, pad);
                } else {
                    Arrays.fill(row, pad);
                }
                out.put(row);
            }
        }
        return buf;
    }
}
