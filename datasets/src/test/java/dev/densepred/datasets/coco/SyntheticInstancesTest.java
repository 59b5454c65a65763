package dev.densepred.datasets.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.densepred.datasets.mask.PolygonMask;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The synthetic generator writes valid, COCO-shaped, reproducible files. */
class SyntheticInstancesTest {

    @TempDir
    Path tmp;

    @Test
    void writesAValidReproducibleFile() throws IOException {
        SyntheticInstances.Settings s = new SyntheticInstances.Settings(40, 400, 12, 0.05, 0.2, 3);
        Path a = tmp.resolve("a.json");
        Path b = tmp.resolve("b.json");
        SyntheticInstances.write(a, s);
        SyntheticInstances.write(b, s);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same seed, same bytes");

        CocoInstances coco = CocoInstancesReader.read(a);
        assertEquals(40, coco.images().size());
        assertEquals(400, coco.annotations().size());
        assertEquals(80, coco.categories().size(), "COCO's 80 categories");
        assertEquals(90, coco.categories().id(79), "COCO's ids run to 90");
        CocoAnnotations anns = coco.annotations();
        int crowd = 0;
        for (int i = 0; i < anns.size(); i++) {
            int img = anns.imageIndex(i);
            if (anns.isCrowd(i)) {
                crowd++;
                assertEquals(SegmentationStore.Kind.RLE, anns.store().kind(anns.segmentation(i)), "crowd regions are RLE");
                assertEquals(anns.area(i), coco.rle(i).area(), 0.0, "crowd area is the mask area");
                continue;
            }
            PolygonMask p = anns.store().polygons(anns.segmentation(i));
            for (int k = 0; k < p.size(); k++) {
                double[] xy = p.polygon(k);
                for (int j = 0; j < xy.length; j += 2) {
                    String at = "annotation " + anns.id(i) + " polygon " + k + " point " + j / 2;
                    assertTrue(xy[j] >= anns.bbox(i, 0) && xy[j] <= anns.bbox(i, 0) + anns.bbox(i, 2) + 1e-9, at + ": x in bbox");
                    assertTrue(xy[j + 1] >= anns.bbox(i, 1) && xy[j + 1] <= anns.bbox(i, 1) + anns.bbox(i, 3) + 1e-9, at + ": y in bbox");
                    assertTrue(xy[j] <= coco.images().width(img) && xy[j + 1] <= coco.images().height(img), at + ": inside the image");
                }
            }
        }
        assertTrue(crowd > 0 && crowd < 60, "about 5% crowd regions, found " + crowd);
    }
}
