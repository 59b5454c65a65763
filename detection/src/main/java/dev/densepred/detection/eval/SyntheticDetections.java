package dev.densepred.detection.eval;

import dev.densepred.datasets.coco.CocoAnnotations;
import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.SyntheticInstances;
import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.PolygonMask;
import dev.densepred.datasets.mask.RleMask;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes detector-like results for a ground truth, for benchmarks: a fixed number of detections per image, most
 * objects found once or twice with jittered outlines and high scores, some with the wrong category, the rest false
 * positives with low scores, half of them in categories present in the image. Scores are float32 values, as a
 * model's are, so ties occur. The same detections go to a box file and a mask file (compressed RLE, no box), in
 * the same order with the same scores. Deterministic for a given seed.
 */
public final class SyntheticDetections {

    private SyntheticDetections() {}

    /**
     * What to generate.
     *
     * @param perImage detections per image (COCO's usual limit is 100)
     * @param seed random seed
     */
    public record Settings(int perImage, long seed) {

        public Settings {
            if (perImage < 0) {
                throw new IllegalArgumentException("detections per image must be >= 0, found " + perImage);
            }
        }

        /** 100 detections per image. */
        public static Settings defaults() {
            return new Settings(100, 2017);
        }
    }

    /** Writes {@code bboxFile} and {@code segmFile} for {@code gt}. */
    public static void write(CocoInstances gt, Path bboxFile, Path segmFile, Settings s) throws IOException {
        CocoAnnotations anns = gt.annotations();
        int nCats = gt.categories().size();
        try (CocoResultsWriter boxes = CocoResultsWriter.open(bboxFile);
                CocoResultsWriter masks = CocoResultsWriter.open(segmFile)) {
            for (int img = 0; img < gt.images().size(); img++) {
                SplittableRandom rnd = new SplittableRandom(s.seed() * 1_000_003L + img);
                int w = gt.images().width(img);
                int h = gt.images().height(img);
                long imageId = gt.images().id(img);
                List<Long> present = new ArrayList<>();
                int made = 0;
                for (int a : gt.annotationsOfImage(img)) {
                    long cat = gt.categories().id(anns.categoryIndex(a));
                    present.add(cat);
                    if (anns.isCrowd(a) || rnd.nextDouble() > 0.85 || made >= s.perImage()) {
                        continue;
                    }
                    PolygonMask object = anns.store().polygons(anns.segmentation(a));
                    int copies = rnd.nextDouble() < 0.3 ? 2 : 1;
                    for (int c = 0; c < copies && made < s.perImage(); c++) {
                        long detCat = rnd.nextDouble() < 0.9 ? cat : gt.categories().id(rnd.nextInt(nCats));
                        double score = (float) (c == 0 ? rnd.nextDouble(0.3, 1.0) : rnd.nextDouble(0.05, 0.6));
                        emit(boxes, masks, imageId, detCat, score, jitter(rnd, object), h, w);
                        made++;
                    }
                }
                while (made < s.perImage()) {
                    long cat = !present.isEmpty() && rnd.nextBoolean() ? present.get(rnd.nextInt(present.size()))
                            : gt.categories().id(rnd.nextInt(nCats));
                    double u = rnd.nextDouble();
                    double score = (float) (0.05 + 0.6 * u * u);
                    SyntheticInstances.SyntheticObject o = SyntheticInstances.object(rnd, w, h, 12, 0);
                    emit(boxes, masks, imageId, cat, score, o.polygons(), h, w);
                    made++;
                }
            }
        }
    }

    private static void emit(CocoResultsWriter boxes, CocoResultsWriter masks, long imageId, long cat, double score,
            List<double[]> polygons, int h, int w) throws IOException {
        RleMask mask = MaskApi.frPolygons(polygons, h, w);
        double x0 = Double.MAX_VALUE;
        double y0 = Double.MAX_VALUE;
        double x1 = -Double.MAX_VALUE;
        double y1 = -Double.MAX_VALUE;
        for (double[] xy : polygons) {
            for (int j = 0; j < xy.length; j += 2) {
                x0 = Math.min(x0, xy[j]);
                x1 = Math.max(x1, xy[j]);
                y0 = Math.min(y0, xy[j + 1]);
                y1 = Math.max(y1, xy[j + 1]);
            }
        }
        // float32 coordinates, as a model writes them.
        boxes.bbox(imageId, cat, new double[] {(float) x0, (float) y0, (float) (x1 - x0), (float) (y1 - y0)}, score);
        masks.segm(imageId, cat, mask, score);
    }

    /** The object's polygons moved and scaled by a few percent of its size, clipped to the image. */
    private static List<double[]> jitter(SplittableRandom rnd, PolygonMask object) {
        List<double[]> out = new ArrayList<>(object.size());
        double scale = rnd.nextDouble(0.85, 1.15);
        double dx = rnd.nextGaussian() * 0.06;
        double dy = rnd.nextGaussian() * 0.06;
        for (int p = 0; p < object.size(); p++) {
            double[] xy = object.polygon(p);
            double cx = 0;
            double cy = 0;
            double minX = Double.MAX_VALUE;
            double maxX = -Double.MAX_VALUE;
            for (int j = 0; j < xy.length; j += 2) {
                cx += xy[j];
                cy += xy[j + 1];
                minX = Math.min(minX, xy[j]);
                maxX = Math.max(maxX, xy[j]);
            }
            cx /= xy.length / 2.0;
            cy /= xy.length / 2.0;
            double size = Math.max(1, maxX - minX);
            double[] moved = new double[xy.length];
            for (int j = 0; j < xy.length; j += 2) {
                moved[j] = Math.max(0, cx + (xy[j] - cx) * scale + dx * size);
                moved[j + 1] = Math.max(0, cy + (xy[j + 1] - cy) * scale + dy * size);
            }
            out.add(moved);
        }
        return out;
    }
}
