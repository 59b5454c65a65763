package dev.densepred.detection.job;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Draws instances over an image with Java2D, as mmdet's {@code DetLocalVisualizer}: each instance's mask blended
 * at half opacity in its class colour, its box outlined, and its class name (and score) on a filled label.
 */
public final class DetectionPainter {

    /** Mask opacity, as mmdet's visualizer ({@code alpha=0.5}). */
    static final float MASK_ALPHA = 0.5f;

    private DetectionPainter() {}

    /** An 8-bit RGB copy of the first {@code width x height} pixels of {@code rgb} (0..255 planes, clamped). */
    public static BufferedImage toImage(Planar<GrayF32> rgb, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        GrayF32 r = rgb.getBand(0);
        GrayF32 g = rgb.getBand(1);
        GrayF32 b = rgb.getBand(2);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, (level(r.get(x, y)) << 16) | (level(g.get(x, y)) << 8) | level(b.get(x, y)));
            }
        }
        return img;
    }

    private static int level(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    /** A distinct, stable colour for class {@code label} (hues spread by the golden angle). */
    public static Color color(int label) {
        float hue = (float) ((label * 0.618033988749895) % 1.0);
        return Color.getHSBColor(hue, 0.75f, 0.95f);
    }

    /**
     * Draws instances into {@code img} in place.
     *
     * @param boxes {@code n * 4} xyxy in {@code img}'s pixels
     * @param scores {@code n} scores, or null (ground truth)
     * @param labels {@code n} contiguous labels
     * @param masks {@code n * h * w} row-major 0/1 bytes at {@code img}'s size, or null
     * @param names class names by label
     */
    public static void draw(BufferedImage img, float[] boxes, float[] scores, int[] labels, byte[] masks, List<String> names) {
        int w = img.getWidth();
        int h = img.getHeight();
        int n = labels.length;
        if (masks != null) {
            for (int i = 0; i < n; i++) {
                blend(img, masks, i * w * h, color(labels[i]));
            }
        }
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            float stroke = Math.max(1.5f, Math.min(w, h) / 300f);
            g.setStroke(new BasicStroke(stroke));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, Math.round(Math.min(w, h) / 45f))));
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < n; i++) {
                Color c = color(labels[i]);
                float x1 = boxes[4 * i];
                float y1 = boxes[4 * i + 1];
                float x2 = boxes[4 * i + 2];
                float y2 = boxes[4 * i + 3];
                g.setColor(c);
                g.draw(new java.awt.geom.Rectangle2D.Float(x1, y1, x2 - x1, y2 - y1));
                String name = labels[i] < names.size() ? names.get(labels[i]) : "class " + labels[i];
                String text = scores == null ? name : String.format(Locale.ROOT, "%s %.2f", name, scores[i]);
                int tw = fm.stringWidth(text) + 4;
                int th = fm.getAscent() + 2;
                int tx = Math.max(0, Math.min(Math.round(x1), w - tw));
                int ty = Math.max(0, Math.round(y1) - th);
                g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.8f));
                g.fillRect(tx, ty, tw, th);
                g.setComposite(AlphaComposite.SrcOver);
                g.setColor(Color.BLACK);
                g.drawString(text, tx + 2, ty + fm.getAscent());
            }
        } finally {
            g.dispose();
        }
    }

    private static void blend(BufferedImage img, byte[] masks, int offset, Color c) {
        int w = img.getWidth();
        int h = img.getHeight();
        int cr = c.getRed();
        int cg = c.getGreen();
        int cb = c.getBlue();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (masks[offset + y * w + x] != 0) {
                    int p = img.getRGB(x, y);
                    int r = Math.round((1 - MASK_ALPHA) * ((p >> 16) & 0xFF) + MASK_ALPHA * cr);
                    int gg = Math.round((1 - MASK_ALPHA) * ((p >> 8) & 0xFF) + MASK_ALPHA * cg);
                    int b = Math.round((1 - MASK_ALPHA) * (p & 0xFF) + MASK_ALPHA * cb);
                    img.setRGB(x, y, (r << 16) | (gg << 8) | b);
                }
            }
        }
    }
}
