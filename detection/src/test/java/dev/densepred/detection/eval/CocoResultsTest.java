package dev.densepred.detection.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.densepred.datasets.coco.CocoFormatException;
import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** Results files: written and read back unchanged, loadRes semantics, and refusals that name the record. */
class CocoResultsTest {

    @TempDir
    Path tmp;

    /** The last fixture case (case_small in the project's set), for a real ground truth and real detections. */
    private static Path caseDir() {
        List<Path> cases = Fixtures.list(Fixtures.dir("coco_eval"), "").stream()
                .filter(p -> p.getFileName().toString().startsWith("case_") && Files.isDirectory(p)).toList();
        return cases.get(cases.size() - 1);
    }

    @Test
    void resultsRoundTripThroughBothFileKinds() throws IOException {
        Path dir = caseDir();
        CocoInstances gt = CocoInstancesReader.read(dir.resolve("gt.json"));
        CocoResults boxes = CocoResultsReader.read(dir.resolve("dets_bbox.json"), gt);
        CocoResults masks = CocoResultsReader.read(dir.resolve("dets_segm.json"), gt);
        assertEquals(boxes.size(), masks.size(), "the fixture's two files list the same detections");

        // Build in memory as a model would: box and mask per detection.
        CocoResults.Builder b = CocoResults.builder(gt);
        for (int d = 0; d < boxes.size(); d++) {
            double[] box = {boxes.bbox(d, 0), boxes.bbox(d, 1), boxes.bbox(d, 2), boxes.bbox(d, 3)};
            b.add(gt.images().id(boxes.imageIndex(d)), gt.categories().id(boxes.categoryIndex(d)), boxes.score(d), box,
                    masks.rle(d));
        }
        CocoResults built = b.build();
        assertNull(built.areaSource(), "in-memory results take the area the iou type implies");

        for (IouType type : IouType.values()) {
            Path file = tmp.resolve("written_" + type.cocoName() + ".json");
            CocoResultsWriter.write(built, type, file);
            CocoResults back = CocoResultsReader.read(file, gt);
            assertEquals(built.size(), back.size(), type + ": count");
            for (int d = 0; d < built.size(); d++) {
                String at = type + " detection #" + d;
                assertEquals(built.imageIndex(d), back.imageIndex(d), at + ": image");
                assertEquals(built.categoryIndex(d), back.categoryIndex(d), at + ": category");
                assertEquals(built.score(d), back.score(d), 0.0, at + ": score (exact)");
                assertEquals(built.area(d, type), back.area(d, type), 0.0, at + ": area");
                if (type == IouType.BBOX) {
                    for (int k = 0; k < 4; k++) {
                        assertEquals(built.bbox(d, k), back.bbox(d, k), 0.0, at + ": bbox[" + k + "] (exact)");
                    }
                } else {
                    assertEquals(built.rle(d), back.rle(d), at + ": mask");
                }
            }
            CocoEvaluator.Settings s = new CocoEvaluator.Settings(CocoEvalParams.defaults(), 2);
            assertArrayEquals(CocoEvaluator.evaluate(gt, built, type, s).stats(),
                    CocoEvaluator.evaluate(gt, back, type, s).stats(), 0.0, type + ": stats of the in-memory and the written results");
            CocoResults original = type == IouType.BBOX ? boxes : masks;
            // A mask file whose records carry boxes gets box areas from loadRes; the written one has mask areas.
            if (type == IouType.BBOX || original.areaSource() == CocoResults.AreaSource.MASK) {
                assertArrayEquals(CocoEvaluator.evaluate(gt, original, type, s).stats(),
                        CocoEvaluator.evaluate(gt, back, type, s).stats(), 0.0, type + ": stats of the fixture file and the rewritten one");
            }
        }
    }

    /**
     * Files of several megabytes are parsed in two halves at once; the halves must give the records of a
     * one-piece parse, also when the first candidate cut lies inside a string or a nested value, and errors must name
     * the same record.
     */
    @Test
    void bigFilesReadInTwoHalvesGiveTheSameRecords() throws IOException {
        CocoInstances gt = CocoInstancesReader.read(caseDir().resolve("gt.json"));
        SplittableRandom rnd = new SplittableRandom(8);
        int n = 40_000;
        int badAt = n - 5;
        for (String trap : new String[] {"", ", \"note\": \"},{\"", ", \"extra\": [{\"a\": 1},{\"b\": 2}]"}) {
            StringBuilder good = new StringBuilder("[");
            StringBuilder bad = new StringBuilder("[");
            for (int i = 0; i < n; i++) {
                int img = rnd.nextInt(gt.images().size());
                int cat = rnd.nextInt(gt.categories().size());
                // The trap ends every record, so a cut searched from the middle of a record meets it first.
                String rest = ", \"category_id\": " + gt.categories().id(cat) + ", \"bbox\": [" + (float) rnd.nextDouble(0, 300)
                        + ", " + (float) rnd.nextDouble(0, 300) + ", " + (float) rnd.nextDouble(0, 80) + ", "
                        + (float) rnd.nextDouble(0, 80) + "], \"score\": " + (float) rnd.nextDouble() + trap + "}";
                String sep = i == 0 ? "" : ",\n";
                good.append(sep).append("{\"image_id\": ").append(gt.images().id(img)).append(rest);
                bad.append(sep).append("{\"image_id\": ").append(i == badAt ? -77 : gt.images().id(img)).append(rest);
            }
            Path file = Files.writeString(tmp.resolve("big.json"), good.append("]"));
            assertTrue(Files.size(file) > 4 << 20, "the file must be large enough to be split");
            CocoResults two = CocoResultsReader.read(file, gt, true);
            CocoResults one = CocoResultsReader.read(file, gt, false);
            assertEquals(n, two.size(), "trap '" + trap + "': count");
            for (int d = 0; d < n; d++) {
                assertEquals(one.imageIndex(d), two.imageIndex(d), "record " + d);
                assertEquals(one.categoryIndex(d), two.categoryIndex(d), "record " + d);
                assertEquals(one.score(d), two.score(d), 0.0, "record " + d);
                for (int k = 0; k < 4; k++) {
                    assertEquals(one.bbox(d, k), two.bbox(d, k), 0.0, "record " + d);
                }
            }

            // A bad record in the second half is named by its index in the file.
            Path badFile = Files.writeString(tmp.resolve("bad_big.json"), bad.append("]"));
            CocoFormatException split = assertThrows(CocoFormatException.class, () -> CocoResultsReader.read(badFile, gt, true));
            CocoFormatException whole = assertThrows(CocoFormatException.class, () -> CocoResultsReader.read(badFile, gt, false));
            assertEquals(whole.getMessage(), split.getMessage());
            assertTrue(split.getMessage().contains("results[" + badAt + "] (image_id -77"), split.getMessage());
        }
    }

    @Test
    void boxOnlyResultsEvaluatedAsMasksUseTheirBoxes() throws IOException {
        // loadRes gives a box-only record its box as a polygon and the box area; in-memory results must do the same.
        Path dir = caseDir();
        CocoInstances gt = CocoInstancesReader.read(dir.resolve("gt.json"));
        CocoResults file = CocoResultsReader.read(dir.resolve("dets_bbox.json"), gt);
        CocoResults.Builder b = CocoResults.builder(gt);
        for (int d = 0; d < file.size(); d++) {
            b.add(gt.images().id(file.imageIndex(d)), gt.categories().id(file.categoryIndex(d)), file.score(d),
                    new double[] {file.bbox(d, 0), file.bbox(d, 1), file.bbox(d, 2), file.bbox(d, 3)});
        }
        CocoEvaluator.Settings s = new CocoEvaluator.Settings(CocoEvalParams.defaults(), 2);
        assertArrayEquals(CocoEvaluator.evaluate(gt, file, IouType.SEGM, s).stats(),
                CocoEvaluator.evaluate(gt, b.build(), IouType.SEGM, s).stats(), 0.0);
    }

    @Test
    void emptyResultsScoreZeroWhereThereIsGroundTruth() throws IOException {
        CocoInstances gt = CocoInstancesReader.read(caseDir().resolve("gt.json"));
        CocoResults none = CocoResultsReader.read(Files.writeString(tmp.resolve("empty.json"), "[]"), gt);
        assertEquals(0, none.size());
        double[] stats = CocoEvaluator.evaluate(gt, none, IouType.BBOX, CocoEvaluator.Settings.defaults()).stats();
        for (int i = 0; i < stats.length; i++) {
            assertTrue(stats[i] == 0 || stats[i] == -1, "stats[" + i + "] = " + stats[i] + " with no detections");
        }
        assertEquals(0.0, stats[0], 0.0, "AP with no detections");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown image    | [{"image_id": 999999, "category_id": CAT, "bbox": [1, 2, 3, 4], "score": 0.5}]                    | results[0] (image_id 999999, category_id CAT): image_id 999999 is not in the ground truth gt.json
            unknown category | [{"image_id": IMG, "category_id": 999, "bbox": [1, 2, 3, 4], "score": 0.5}]                      | results[0] (image_id IMG, category_id 999): category_id 999 is not in the ground truth gt.json
            NaN score        | [{"image_id": IMG, "category_id": CAT, "bbox": [1, 2, 3, 4], "score": 0.5}, {"image_id": IMG, "category_id": CAT, "bbox": [1, 2, 3, 4], "score": NaN}] | results[1] (image_id IMG, category_id CAT): score is NaN
            infinite box     | [{"image_id": IMG, "category_id": CAT, "bbox": [1, 2, Infinity, 4], "score": 0.5}]               | results[0] (image_id IMG, category_id CAT): bbox [1.0, 2.0, Infinity, 4.0] is not finite
            negative box     | [{"image_id": IMG, "category_id": CAT, "bbox": [10, 20, 5, -4], "score": 0.5}]                   | results[0] (image_id IMG, category_id CAT): bbox [10.0, 20.0, 5.0, -4.0] has negative size
            missing score    | [{"image_id": IMG, "category_id": CAT, "bbox": [1, 2, 3, 4]}]                                    | results[0] (image_id IMG, category_id CAT): missing "image_id", "category_id" or "score"
            box then mask    | [{"image_id": IMG, "category_id": CAT, "bbox": [1, 2, 3, 4], "score": 0.5}, {"image_id": IMG, "category_id": CAT, "segmentation": {"size": [HEIGHT, WIDTH], "counts": [PIXELS]}, "score": 0.5}] | results[1] (image_id IMG, category_id CAT): no "bbox", but the first record has one
            mask size        | [{"image_id": IMG, "category_id": CAT, "segmentation": {"size": [2, 2], "counts": "04"}, "score": 0.5}] | results[0] (image_id IMG, category_id CAT): mask size [2, 2] differs from the image's [height, width]
            bad RLE          | [{"image_id": IMG, "category_id": CAT, "segmentation": {"size": [HEIGHT, WIDTH], "counts": "0}"}, "score": 0.5}] | results[0] (image_id IMG, category_id CAT): segmentation: compressed RLE: character '}'
            neither          | [{"image_id": IMG, "category_id": CAT, "score": 0.5}]                                            | results[0] (image_id IMG, category_id CAT): neither "bbox" nor "segmentation"
            not a list       | {"image_id": IMG}                                                                                | expected a JSON list of detections
            """)
    void badRecordsAreNamed(String name, String json, String expected) throws IOException {
        Path gtFile = caseDir().resolve("gt.json");
        CocoInstances gt = CocoInstancesReader.read(gtFile);
        String img = Long.toString(gt.images().id(0));
        String cat = Long.toString(gt.categories().id(0));
        Path file = Files.writeString(tmp.resolve("bad.json"), json.replace("IMG", img).replace("CAT", cat)
                .replace("HEIGHT", Integer.toString(gt.images().height(0))).replace("WIDTH", Integer.toString(gt.images().width(0)))
                .replace("PIXELS", Integer.toString(gt.images().height(0) * gt.images().width(0))));
        CocoFormatException e = assertThrows(CocoFormatException.class, () -> CocoResultsReader.read(file, gt), name);
        String want = expected.replace("IMG", img).replace("CAT", cat);
        assertTrue(e.getMessage().startsWith(file.toString()), name + ": names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(want), name + ": expected '" + want + "' in: " + e.getMessage());
    }
}
