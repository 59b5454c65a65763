package dev.densepred.segmentation.job;

import dev.densepred.datasets.ade.Ade20kDataset;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * Pictures of label maps with Java's own imaging: each class in its palette colour blended over the image (as mmseg's
 * {@code SegLocalVisualizer}, {@code image * (1 - alpha) + colour * alpha}), ignored pixels left as they are, and a
 * legend of the classes present.
 */
final class SegPainter {

    /** Weight of the class colour in the blend. */
    static final double ALPHA = 0.5;

    private final IntUnaryOperator palette;
    private final IntFunction<String> names;

    /** @param palette class to {@code 0xRRGGBB}; @param names class to name */
    SegPainter(IntUnaryOperator palette, IntFunction<String> names) {
        this.palette = palette;
        this.names = names;
    }

    /** {@code labels} (row-major, {@code image}'s size; 255 ignored) blended over a copy of {@code image}. */
    BufferedImage blend(BufferedImage image, int[] labels) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (labels.length != w * h) {
            throw new IllegalArgumentException("label map has " + labels.length + " pixels, the image " + w + "x" + h);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) {
            int v = labels[i];
            if (v != Ade20kDataset.IGNORE) {
                rgb[i] = mix(rgb[i], palette.applyAsInt(v));
            }
        }
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    /** The blend with a legend of the classes present (most pixels first) in a column to its right. */
    BufferedImage withLegend(BufferedImage image, int[] labels) {
        BufferedImage blended = blend(image, labels);
        long[] counts = new long[256];
        for (int v : labels) {
            counts[v & 0xFF]++;
        }
        List<Integer> present = new java.util.ArrayList<>();
        for (int c = 0; c < 255; c++) {
            if (counts[c] > 0) {
                present.add(c);
            }
        }
        present.sort((a, b) -> Long.compare(counts[b], counts[a]));
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(font);
        pg.dispose();
        int row = fm.getHeight() + 4;
        int textWidth = 0;
        for (int c : present) {
            textWidth = Math.max(textWidth, fm.stringWidth(label(c, counts[c], labels.length)));
        }
        int legendWidth = present.isEmpty() ? 0 : textWidth + 36;
        int h = Math.max(blended.getHeight(), 8 + row * present.size());
        BufferedImage out = new BufferedImage(blended.getWidth() + legendWidth, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(blended, 0, 0, null);
        g.setFont(font);
        int y = 6;
        for (int c : present) {
            int x = blended.getWidth() + 8;
            g.setColor(new Color(palette.applyAsInt(c)));
            g.fillRect(x, y, 18, row - 6);
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(x, y, 18, row - 6);
            g.setColor(Color.BLACK);
            g.drawString(label(c, counts[c], labels.length), x + 24, y + fm.getAscent());
            y += row;
        }
        g.dispose();
        return out;
    }

    /** Two panels side by side with a title each, e.g. ground truth and prediction; long titles go on two lines. */
    static BufferedImage sideBySide(BufferedImage left, String leftTitle, BufferedImage right, String rightTitle) {
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, 13);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(font);
        pg.dispose();
        boolean twoLines = fm.stringWidth(leftTitle) + 8 > left.getWidth();
        int title = twoLines ? 38 : 20;
        int width = Math.max(left.getWidth() + right.getWidth() + 4, twoLines ? fm.stringWidth(leftTitle) + 8 : 0);
        BufferedImage out = new BufferedImage(width, Math.max(left.getHeight(), right.getHeight()) + title, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(font);
        g.drawString(leftTitle, 4, 15);
        g.drawString(rightTitle, left.getWidth() + 8, twoLines ? 33 : 15);
        g.drawImage(left, 0, title, null);
        g.drawImage(right, left.getWidth() + 4, title, null);
        g.dispose();
        return out;
    }

    /** RGB planes (0..255, clamped) as an image. */
    static BufferedImage toImage(Planar<GrayF32> rgb) {
        int w = rgb.width;
        int h = rgb.height;
        int[] px = new int[w * h];
        GrayF32 r = rgb.getBand(0);
        GrayF32 g = rgb.getBand(1);
        GrayF32 b = rgb.getBand(2);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[y * w + x] = clamp(r.get(x, y)) << 16 | clamp(g.get(x, y)) << 8 | clamp(b.get(x, y));
            }
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, px, 0, w);
        return out;
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    static Path write(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
        return file;
    }

    private String label(int c, long count, int total) {
        return String.format(java.util.Locale.ROOT, "%s (%.1f%%)", names.apply(c), 100.0 * count / total);
    }

    private static int mix(int base, int colour) {
        int r = (int) Math.round(((base >> 16) & 0xFF) * (1 - ALPHA) + ((colour >> 16) & 0xFF) * ALPHA);
        int g = (int) Math.round(((base >> 8) & 0xFF) * (1 - ALPHA) + ((colour >> 8) & 0xFF) * ALPHA);
        int b = (int) Math.round((base & 0xFF) * (1 - ALPHA) + (colour & 0xFF) * ALPHA);
        return r << 16 | g << 8 | b;
    }
}
