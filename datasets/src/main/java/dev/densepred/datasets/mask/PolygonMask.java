package dev.densepred.datasets.mask;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The polygons of one object, as a COCO {@code segmentation} list stores them ({@code [[x0, y0, x1, y1, ...],
 * ...]}, pixel coordinates); detectron2's {@code PolygonMasks} holds a list of these. Polygons stay on the CPU as
 * doubles: rasterising them is integer arithmetic on the values JSON gave, so float32 would change pixels.
 *
 * <p>Validated as detectron2 and mmdetection do: every polygon has an even number of values, at least 6 (three
 * points), all finite. A 4-value polygon would be read as a box by pycocotools' {@code frPyObjects}, so it is
 * refused rather than guessed.
 */
public final class PolygonMask {

    private final List<double[]> polygons;

    private PolygonMask(List<double[]> polygons) {
        this.polygons = polygons;
    }

    /**
     * Validates and copies the polygons.
     *
     * @throws IllegalArgumentException naming the polygon and what is wrong with it
     */
    public static PolygonMask of(List<double[]> polygons) {
        if (polygons.isEmpty()) {
            throw new IllegalArgumentException("polygon mask: no polygons");
        }
        List<double[]> copy = new ArrayList<>(polygons.size());
        for (int i = 0; i < polygons.size(); i++) {
            double[] p = polygons.get(i);
            String defect = defect(p);
            if (defect != null) {
                throw new IllegalArgumentException("polygon #" + i + ": " + defect);
            }
            copy.add(p.clone());
        }
        return new PolygonMask(Collections.unmodifiableList(copy));
    }

    /** Why {@code xy} is not a valid polygon, or {@code null} when it is. */
    public static String defect(double[] xy) {
        return defect(xy, 0, xy.length);
    }

    /** Why the polygon {@code xy[from, to)} is not valid, or {@code null} when it is. */
    public static String defect(double[] xy, int from, int to) {
        int n = to - from;
        if (n % 2 != 0) {
            return "odd number of coordinates (" + n + ")";
        }
        if (n < 6) {
            return "only " + n + " coordinates, a polygon needs at least 6 (3 points)";
        }
        for (int j = from; j < to; j++) {
            if (!Double.isFinite(xy[j])) {
                return "coordinate #" + (j - from) + " is " + xy[j];
            }
        }
        return null;
    }

    /** Number of polygons. */
    public int size() {
        return polygons.size();
    }

    /** A copy of polygon {@code i}. */
    public double[] polygon(int i) {
        return polygons.get(i).clone();
    }

    /** pycocotools' {@code annToRLE} for this object in an {@code h x w} image: the union of the polygons. */
    public RleMask toRle(int h, int w) {
        return MaskApi.frPolygons(polygons, h, w);
    }
}
