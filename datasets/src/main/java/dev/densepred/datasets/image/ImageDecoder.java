package dev.densepred.datasets.image;

import boofcv.io.image.ConvertBufferedImage;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads image files (JPEG, PNG and whatever else Java ImageIO reads) into BoofCV images; the twin of mmcv
 * {@code imfrombytes} with {@code flag='color'} for images and {@code flag='unchanged'} for label maps.
 *
 * <p>Images become 3-band RGB {@code Planar<GrayF32>} with values 0..255 (grey files are replicated into three
 * bands, an alpha band is dropped, as cv2's {@code IMREAD_COLOR} does). Label maps become {@link GrayU8} holding
 * the stored sample values: grey PNGs give their grey levels and palette PNGs their palette indices, never colours.
 * EXIF orientation is not applied (pixels come in stored order; see docs/data.md).
 *
 * <p>Every failure is an {@link ImageDecodeException} naming the file: missing, unreadable, not an image,
 * truncated (the decoder's warnings count as errors, since a truncated JPEG otherwise decodes to grey rows).
 */
public final class ImageDecoder {

    private ImageDecoder() {}

    /** The image in {@code file} as RGB planes in 0..255. */
    public static Planar<GrayF32> readRgb(Path file) {
        BufferedImage bi = read(file);
        Planar<GrayF32> out = new Planar<>(GrayF32.class, bi.getWidth(), bi.getHeight(), 3);
        ColorModel cm = bi.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            // Grey (with or without alpha): one decode, then the grey plane into R, G and B.
            GrayF32 grey = ConvertBufferedImage.convertFrom(bi, (GrayF32) null);
            for (int b = 0; b < 3; b++) {
                out.getBand(b).setTo(grey);
            }
            return out;
        }
        Planar<GrayF32> decoded = ConvertBufferedImage.convertFromPlanar(bi, null, true, GrayF32.class);
        if (decoded.getNumBands() < 3) {
            throw new ImageDecodeException(file, "expected 3 colour channels, found " + decoded.getNumBands());
        }
        for (int b = 0; b < 3; b++) {
            out.setBand(b, decoded.getBand(b));
        }
        return out;
    }

    /**
     * The label map in {@code file} as raw 8-bit values, without colour conversion: a grey PNG gives its grey
     * levels and a palette PNG its indices. Files with several channels or more than 8 bits are refused.
     */
    public static GrayU8 readLabels(Path file) {
        BufferedImage bi = read(file);
        Raster raster = bi.getRaster();
        if (raster.getNumBands() != 1) {
            throw new ImageDecodeException(file, "expected a single-channel label map (grey or palette PNG), found "
                    + raster.getNumBands() + " channels");
        }
        int bits = raster.getSampleModel().getSampleSize(0);
        if (bits > 8) {
            throw new ImageDecodeException(file, "expected 8-bit label values, found " + bits + "-bit samples");
        }
        final int w = raster.getWidth();
        final int h = raster.getHeight();
        GrayU8 out = new GrayU8(w, h);
        final byte[] data = out.data;
        final int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            final int base = out.startIndex + y * out.stride;
            for (int x = 0; x < w; x++) {
                data[base + x] = (byte) row[x];
            }
        }
        return out;
    }

    /**
     * As {@link #readLabels(Path)}, and refuses a label map whose size is not {@code width x height} (its image's),
     * naming the file, so the loader skips the pair instead of training on misaligned labels.
     */
    public static GrayU8 readLabels(Path file, int width, int height) {
        GrayU8 labels = readLabels(file);
        if (labels.width != width || labels.height != height) {
            throw new ImageDecodeException(file, "label map is " + labels.width + "x" + labels.height
                    + " but its image is " + width + "x" + height);
        }
        return labels;
    }

    private static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ImageDecodeException(file, Files.exists(file) ? "not a regular file" : "no such file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new ImageDecodeException(file, "cannot open for reading");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(file, "not an image: no reader recognises its first bytes (size "
                        + Files.size(file) + " bytes)");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage bi = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageDecodeException(file, reader.getFormatName() + " decoder: "
                            + String.join("; ", warnings) + " (truncated or corrupt file)");
                }
                return bi;
            } catch (IOException | RuntimeException e) {
                if (e instanceof ImageDecodeException ide) {
                    throw ide;
                }
                throw new ImageDecodeException(file, reader.getFormatName() + " decoder failed: " + e, e);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageDecodeException(file, "cannot read: " + e, e);
        }
    }
}
