package dev.densepred.datasets.coco;

import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.RleMask;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a synthetic COCO instances file shaped like the real ones, for benchmarks and tests: COCO's 80 category
 * ids (1..90 with gaps), images of COCO's usual sizes around 640x480, star-shaped polygons with two-decimal
 * coordinates, object areas split like COCO's (about 41% small, 34% medium, 24% large), a skewed category frequency
 * (the first category about a fifth of all objects), some objects in two parts, and a fraction of crowd regions
 * stored as uncompressed RLE, as COCO stores them. Deterministic for a given {@link Settings#seed}.
 */
public final class SyntheticInstances {

    /** COCO's category ids: 1..90 without 12, 26, 29, 30, 45, 66, 68, 69, 71, 83. */
    private static final int[] CATEGORY_IDS = cocoCategoryIds();
    private static final int[][] IMAGE_SIZES = {{640, 480}, {640, 427}, {480, 640}, {427, 640}, {640, 424}, {500, 375}, {640, 512}};

    private SyntheticInstances() {}

    /**
     * What to generate.
     *
     * @param images number of images (ids 1..images)
     * @param annotations total number of annotations, spread over the images at random
     * @param meanPolygonPoints mean number of points per polygon
     * @param crowdFraction fraction of annotations that are crowd regions (uncompressed RLE)
     * @param multiPartFraction fraction of non-crowd annotations with a second polygon
     * @param seed random seed
     */
    public record Settings(int images, int annotations, int meanPolygonPoints, double crowdFraction,
            double multiPartFraction, long seed) {

        public Settings {
            if (images < 1 || annotations < 0 || meanPolygonPoints < 3 || crowdFraction < 0 || crowdFraction > 1
                    || multiPartFraction < 0 || multiPartFraction > 1) {
                throw new IllegalArgumentException("synthetic COCO: invalid settings " + this);
            }
        }

        /** The size of {@code instances_train2017.json}: 118,287 images, 860,001 annotations, about 450 MB. */
        public static Settings train2017() {
            return new Settings(118_287, 860_001, 22, 0.01, 0.1, 2017);
        }

        /** The size of {@code instances_val2017.json}: 5,000 images, 36,781 annotations. */
        public static Settings val2017() {
            return new Settings(5_000, 36_781, 16, 0.01, 0.1, 2017);
        }
    }

    /** One generated object: its polygons (pixel coordinates, two decimals) and its category id. */
    public record SyntheticObject(int categoryId, List<double[]> polygons) {}

    /** Writes the file described by {@code s} to {@code file}. */
    public static void write(Path file, Settings s) throws IOException {
        SplittableRandom rnd = new SplittableRandom(s.seed());
        int[] widths = new int[s.images()];
        int[] heights = new int[s.images()];
        for (int i = 0; i < s.images(); i++) {
            int[] size = IMAGE_SIZES[rnd.nextInt(IMAGE_SIZES.length)];
            widths[i] = size[0];
            heights[i] = size[1];
        }
        // Each annotation picks its image; annotations are then written image by image.
        int[] perImage = new int[s.images()];
        for (int a = 0; a < s.annotations(); a++) {
            perImage[rnd.nextInt(s.images())]++;
        }
        try (Writer out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 20)) {
            out.write("{\"info\": {\"description\": \"synthetic COCO-shaped instances, seed " + s.seed() + "\"},\n");
            out.write("\"images\": [");
            for (int i = 0; i < s.images(); i++) {
                out.write(i == 0 ? "\n" : ",\n");
                out.write("{\"id\": " + (i + 1) + ", \"width\": " + widths[i] + ", \"height\": " + heights[i]
                        + ", \"file_name\": \"" + String.format("%012d.jpg", i + 1) + "\"}");
            }
            out.write("],\n\"annotations\": [");
            StringBuilder sb = new StringBuilder(4096);
            long annId = 1;
            boolean first = true;
            for (int i = 0; i < s.images(); i++) {
                for (int a = 0; a < perImage[i]; a++) {
                    SyntheticObject o = object(rnd, widths[i], heights[i], s.meanPolygonPoints(), s.multiPartFraction());
                    boolean isCrowd = rnd.nextDouble() < s.crowdFraction();
                    sb.setLength(0);
                    sb.append(first ? "\n" : ",\n");
                    first = false;
                    appendAnnotation(sb, annId++, i + 1, o, isCrowd, widths[i], heights[i]);
                    out.append(sb);
                }
            }
            out.write("],\n\"categories\": [");
            for (int k = 0; k < CATEGORY_IDS.length; k++) {
                out.write(k == 0 ? "\n" : ",\n");
                out.write("{\"id\": " + CATEGORY_IDS[k] + ", \"name\": \"class_" + CATEGORY_IDS[k]
                        + "\", \"supercategory\": \"synthetic\"}");
            }
            out.write("]}\n");
        }
    }

    /**
     * A random object in a {@code w x h} image: a category drawn with COCO-like skew and one or two star-shaped
     * polygons whose area follows COCO's small/medium/large split.
     */
    public static SyntheticObject object(SplittableRandom rnd, int w, int h, int meanPoints, double multiPartFraction) {
        int categoryId = CATEGORY_IDS[skewedIndex(rnd, CATEGORY_IDS.length)];
        double u = rnd.nextDouble();
        double area;
        if (u < 0.41) {
            area = logUniform(rnd, 16, 1024);
        } else if (u < 0.75) {
            area = logUniform(rnd, 1024, 9216);
        } else {
            area = logUniform(rnd, 9216, 0.6 * w * h);
        }
        List<double[]> polys = new ArrayList<>(2);
        boolean twoParts = rnd.nextDouble() < multiPartFraction;
        polys.add(star(rnd, w, h, twoParts ? area / 2 : area, meanPoints));
        if (twoParts) {
            polys.add(star(rnd, w, h, area / 2, meanPoints));
        }
        return new SyntheticObject(categoryId, polys);
    }

    /** A star-shaped polygon of roughly {@code area} pixels, clipped to the image, two-decimal coordinates. */
    public static double[] star(SplittableRandom rnd, int w, int h, double area, int meanPoints) {
        double aspect = Math.exp(rnd.nextDouble(-0.7, 0.7));
        double rx = Math.sqrt(area / Math.PI * aspect);
        double ry = Math.sqrt(area / Math.PI / aspect);
        double cx = rnd.nextDouble(Math.min(rx, w / 2.0), Math.max(w - rx, w / 2.0) + 1e-9);
        double cy = rnd.nextDouble(Math.min(ry, h / 2.0), Math.max(h - ry, h / 2.0) + 1e-9);
        int n = Math.max(3, meanPoints / 2 + rnd.nextInt(meanPoints + 1));
        double[] xy = new double[2 * n];
        double phase = rnd.nextDouble(2 * Math.PI);
        for (int j = 0; j < n; j++) {
            double angle = phase + 2 * Math.PI * (j + rnd.nextDouble(0.1, 0.9)) / n;
            double r = rnd.nextDouble(0.75, 1.2);
            xy[2 * j] = round2(Math.min(w, Math.max(0, cx + r * rx * Math.cos(angle))));
            xy[2 * j + 1] = round2(Math.min(h, Math.max(0, cy + r * ry * Math.sin(angle))));
        }
        return xy;
    }

    private static void appendAnnotation(StringBuilder sb, long id, long imageId, SyntheticObject o, boolean isCrowd,
            int w, int h) {
        double[] bbox;
        double area;
        sb.append("{\"segmentation\": ");
        if (isCrowd) {
            RleMask m = MaskApi.frPolygons(o.polygons(), h, w);
            sb.append("{\"counts\": [");
            for (int j = 0; j < m.runCount(); j++) {
                sb.append(j == 0 ? "" : ", ").append(m.run(j));
            }
            sb.append("], \"size\": [").append(h).append(", ").append(w).append("]}");
            bbox = m.toBbox();
            area = m.area();
        } else {
            sb.append('[');
            double x0 = Double.MAX_VALUE;
            double y0 = Double.MAX_VALUE;
            double x1 = -Double.MAX_VALUE;
            double y1 = -Double.MAX_VALUE;
            area = 0;
            for (int p = 0; p < o.polygons().size(); p++) {
                double[] xy = o.polygons().get(p);
                sb.append(p == 0 ? "[" : ", [");
                for (int j = 0; j < xy.length; j++) {
                    if (j > 0) {
                        sb.append(", ");
                    }
                    appendCenti(sb, Math.round(xy[j] * 100));
                    if (j % 2 == 0) {
                        x0 = Math.min(x0, xy[j]);
                        x1 = Math.max(x1, xy[j]);
                    } else {
                        y0 = Math.min(y0, xy[j]);
                        y1 = Math.max(y1, xy[j]);
                    }
                }
                sb.append(']');
                area += shoelace(xy);
            }
            sb.append(']');
            bbox = new double[] {x0, y0, round2(x1 - x0), round2(y1 - y0)};
            area = round2(area);
        }
        sb.append(", \"area\": ").append(area).append(", \"iscrowd\": ").append(isCrowd ? 1 : 0)
                .append(", \"image_id\": ").append(imageId).append(", \"bbox\": [").append(bbox[0]).append(", ")
                .append(bbox[1]).append(", ").append(bbox[2]).append(", ").append(bbox[3]).append("], \"category_id\": ")
                .append(o.categoryId()).append(", \"id\": ").append(id).append('}');
    }

    // Writes k / 100 with at most two decimals ("224.24", "243.5", "243.0"), faster than Double.toString.
    private static void appendCenti(StringBuilder sb, long k) {
        if (k < 0) {
            sb.append('-');
            k = -k;
        }
        sb.append(k / 100).append('.');
        long frac = k % 100;
        if (frac % 10 == 0) {
            sb.append(frac / 10);
        } else {
            sb.append(frac / 10).append(frac % 10);
        }
    }

    private static double shoelace(double[] xy) {
        double s = 0;
        int n = xy.length / 2;
        for (int j = 0; j < n; j++) {
            int k = (j + 1) % n;
            s += xy[2 * j] * xy[2 * k + 1] - xy[2 * k] * xy[2 * j + 1];
        }
        return Math.abs(s) / 2;
    }

    private static int skewedIndex(SplittableRandom rnd, int n) {
        // Zipf-like: P(k) proportional to 1 / (k + 1).
        double total = 0;
        for (int k = 0; k < n; k++) {
            total += 1.0 / (k + 1);
        }
        double u = rnd.nextDouble(total);
        for (int k = 0; k < n; k++) {
            u -= 1.0 / (k + 1);
            if (u < 0) {
                return k;
            }
        }
        return n - 1;
    }

    private static double logUniform(SplittableRandom rnd, double lo, double hi) {
        return Math.exp(rnd.nextDouble(Math.log(lo), Math.log(Math.max(hi, lo * 1.0001))));
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static int[] cocoCategoryIds() {
        int[] absent = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83};
        int[] ids = new int[80];
        int n = 0;
        for (int id = 1; id <= 90; id++) {
            boolean skip = false;
            for (int a : absent) {
                skip |= a == id;
            }
            if (!skip) {
                ids[n++] = id;
            }
        }
        return ids;
    }
}
