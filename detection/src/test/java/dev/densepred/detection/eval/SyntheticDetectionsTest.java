package dev.densepred.detection.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.datasets.coco.SyntheticInstances;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/** Synthetic detections: readable, the same records in both files, and scored like a detector. */
class SyntheticDetectionsTest {

    @TempDir
    Path tmp;

    @Test
    void boxAndMaskFilesListTheSameDetections() throws IOException {
        Path gtFile = tmp.resolve("gt.json");
        SyntheticInstances.write(gtFile, new SyntheticInstances.Settings(30, 200, 10, 0.02, 0.1, 5));
        CocoInstances gt = CocoInstancesReader.read(gtFile);
        Path boxes = tmp.resolve("dets_bbox.json");
        Path masks = tmp.resolve("dets_segm.json");
        SyntheticDetections.write(gt, boxes, masks, new SyntheticDetections.Settings(20, 1));
        CocoResults b = CocoResultsReader.read(boxes, gt);
        CocoResults m = CocoResultsReader.read(masks, gt);
        assertEquals(30 * 20, b.size(), "detections per image times images");
        assertEquals(b.size(), m.size());
        assertEquals(CocoResults.AreaSource.BOX, b.areaSource());
        assertEquals(CocoResults.AreaSource.MASK, m.areaSource(), "mask records carry no box");
        for (int d = 0; d < b.size(); d++) {
            assertEquals(b.imageIndex(d), m.imageIndex(d), "detection " + d + ": image");
            assertEquals(b.categoryIndex(d), m.categoryIndex(d), "detection " + d + ": category");
            assertEquals(b.score(d), m.score(d), 0.0, "detection " + d + ": score");
            assertEquals(b.score(d), (float) b.score(d), 0.0, "detection " + d + ": a float32 score");
        }
        CocoEvaluator.Settings s = new CocoEvaluator.Settings(CocoEvalParams.defaults(), 2);
        double boxAp = CocoEvaluator.evaluate(gt, b, IouType.BBOX, s).stats()[0];
        double maskAp = CocoEvaluator.evaluate(gt, m, IouType.SEGM, s).stats()[0];
        assertTrue(boxAp > 0.05 && boxAp < 0.9, "a detector-like box AP, found " + boxAp);
        assertTrue(maskAp > 0.05 && maskAp < 0.9, "a detector-like mask AP, found " + maskAp);
    }
}
