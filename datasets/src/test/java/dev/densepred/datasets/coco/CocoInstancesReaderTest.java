package dev.densepred.datasets.coco;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.densepred.datasets.mask.PolygonMask;
import dev.densepred.datasets.mask.RleMask;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/** The streaming COCO reader on the real sample file, on reordered keys, and on broken records. */
class CocoInstancesReaderTest {

    private static final String IMAGES = "\"images\": [{\"id\": 7, \"width\": 20, \"height\": 10, \"file_name\": \"a.jpg\"},"
            + " {\"id\": 3, \"width\": 4, \"height\": 2}]";
    private static final String CATEGORIES = "\"categories\": [{\"id\": 5, \"name\": \"cat\", \"supercategory\": \"animal\"},"
            + " {\"id\": 2, \"name\": \"dog\"}]";
    private static final String GOOD_ANN = "{\"id\": 11, \"image_id\": 7, \"category_id\": 5, \"bbox\": [1, 2, 3, 4], "
            + "\"area\": 12.5, \"iscrowd\": 0, \"segmentation\": [[1, 2, 4, 2, 4, 6]]}";

    @TempDir
    Path tmp;

    @Test
    void readsTheCocoMiniSample() throws IOException {
        Path file = Fixtures.dataRoot().resolve("coco_mini/annotations/instances_mini.json");
        CocoInstances coco = CocoInstancesReader.read(file);
        CocoImages images = coco.images();
        CocoCategories cats = coco.categories();
        CocoAnnotations anns = coco.annotations();
        assertEquals(10, images.size(), "images");
        assertEquals(80, cats.size(), "categories");
        assertEquals(101, anns.size(), "annotations");

        int crowd = 0;
        int polygons = 0;
        Set<Long> usedCategories = new HashSet<>();
        for (int i = 0; i < anns.size(); i++) {
            usedCategories.add(cats.id(anns.categoryIndex(i)));
            SegmentationStore.Kind kind = anns.store().kind(anns.segmentation(i));
            if (anns.isCrowd(i)) {
                crowd++;
                assertEquals(SegmentationStore.Kind.RLE, kind, "crowd annotation " + anns.id(i) + " is uncompressed RLE");
                RleMask m = coco.rle(i);
                int img = anns.imageIndex(i);
                assertEquals(images.height(img), m.height(), "crowd RLE height");
                assertEquals(images.width(img), m.width(), "crowd RLE width");
            } else {
                assertEquals(SegmentationStore.Kind.POLYGONS, kind, "annotation " + anns.id(i));
                polygons += anns.store().polygons(anns.segmentation(i)).size();
            }
        }
        assertEquals(3, crowd, "crowd annotations");
        assertEquals(103, polygons, "polygons in non-crowd annotations");
        assertEquals(30, usedCategories.size(), "categories in use");

        long[][] perImage = {{397133, 19}, {37777, 14}, {252219, 7}, {87038, 17}, {403385, 2}, {6818, 1}, {386912, 18},
            {463730, 22}, {122745, 1}, {226111, 0}};
        assertAll("annotations per image", Arrays.stream(perImage).map(p -> () -> assertEquals(p[1],
                coco.annotationsOfImage(images.indexOf(p[0])).length, "image " + p[0])));

        // The first annotation, exactly as in the file.
        assertEquals(82445, anns.id(0));
        assertEquals(397133, images.id(anns.imageIndex(0)));
        assertEquals(44, cats.id(anns.categoryIndex(0)));
        assertArrayEquals(new double[] {217.62, 240.54, 38.99, 57.75}, anns.bbox(0));
        assertEquals(1481.3806499999994, anns.area(0));
        PolygonMask first = anns.store().polygons(anns.segmentation(0));
        double[] head = Arrays.copyOf(first.polygon(0), 6);
        assertArrayEquals(new double[] {224.24, 297.18, 228.29, 297.18, 234.91, 298.29}, head);
        int crowdIndex = indexOfId(anns, 900100087038L);
        assertEquals(6443.0, anns.area(crowdIndex));
        assertEquals(579, coco.rle(crowdIndex).runCount());

        // Labels: contiguous, in ascending id order, skipping COCO's missing ids.
        assertEquals(0, cats.label(cats.indexOf(1)));
        assertEquals(10, cats.label(cats.indexOf(11)));
        assertEquals(11, cats.label(cats.indexOf(13)));
        assertEquals(79, cats.label(cats.indexOf(90)));
        assertEquals(-1, cats.indexOf(12));
        for (int label = 0; label < cats.size(); label++) {
            assertEquals(label, cats.label(cats.indexOfLabel(label)), "label round trip " + label);
        }
        assertEquals("person", cats.name(cats.indexOf(1)));
        int personCount = coco.annotationsOfCategory(cats.indexOf(1)).length;
        assertEquals(34, personCount, "person annotations");
        assertEquals("000000397133.jpg", images.fileName(images.indexOf(397133)));
    }

    @Test
    void keysMayComeInAnyOrder() throws IOException {
        String reordered = "{\"annotations\": [" + GOOD_ANN.replace("\"iscrowd\": 0", "\"iscrowd\": false, \"extra\": {\"x\": [1]}")
                + ", {\"segmentation\": {\"size\": [2, 4], \"counts\": [1, 2, 5]}, \"iscrowd\": true, \"ignore\": 1, "
                + "\"area\": 2, \"bbox\": [0, 0, 1, 2], \"category_id\": 2, \"image_id\": 3, \"id\": 4}], "
                + CATEGORIES + ", \"licenses\": [], " + IMAGES + ", \"info\": {\"year\": 2017}}";
        CocoInstances coco = CocoInstancesReader.read(write("reordered.json", reordered));
        CocoAnnotations anns = coco.annotations();
        assertEquals(2, anns.size());
        assertEquals(0, coco.images().indexOf(7));
        assertEquals(1, anns.imageIndex(1));
        assertFalse(anns.isCrowd(0));
        assertTrue(anns.isCrowd(1));
        assertTrue(anns.ignore(1));
        assertEquals(1, coco.categories().label(0), "id 5 sorts after id 2");
        assertEquals(0, coco.categories().label(1));
        assertNull(coco.images().fileName(1));
        assertNull(coco.categories().supercategory(1));
        assertArrayEquals(new int[] {1, 2, 5}, coco.rle(1).counts());
        assertArrayEquals(new int[] {1}, coco.annotationsOfCategory(1));
    }

    @Test
    void annotationsKeepFileOrderWithinAnImage() throws IOException {
        StringBuilder anns = new StringBuilder();
        long[] ids = {30, 10, 20, 5};
        long[] images = {7, 3, 7, 7};
        for (int i = 0; i < ids.length; i++) {
            anns.append(i == 0 ? "" : ",").append(GOOD_ANN.replace("\"id\": 11", "\"id\": " + ids[i])
                    .replace("\"image_id\": 7", "\"image_id\": " + images[i]));
        }
        CocoInstances coco = CocoInstancesReader.read(write("order.json", "{" + IMAGES + ", " + CATEGORIES
                + ", \"annotations\": [" + anns + "]}"));
        assertArrayEquals(new int[] {0, 2, 3}, coco.annotationsOfImage(0));
        assertArrayEquals(new int[] {1}, coco.annotationsOfImage(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown image         | "image_id": 7            | "image_id": 8                  | annotations[0] (id 11): image_id 8 is not in "images"
            unknown category      | "category_id": 5         | "category_id": 6               | annotations[0] (id 11): category_id 6 is not in "categories"
            negative bbox width   | "bbox": [1, 2, 3, 4]     | "bbox": [1, 2, -3, 4]          | annotations[0] (id 11): bbox [1.0, 2.0, -3.0, 4.0] has negative size
            short bbox            | "bbox": [1, 2, 3, 4]     | "bbox": [1, 2, 3]              | annotations[0] (id 11): bbox must be [x, y, w, h], found 3 values
            negative area         | "area": 12.5             | "area": -1                     | annotations[0] (id 11): area -1.0 is negative
            missing area          | "area": 12.5,            | (nothing)                      | annotations[0] (id 11): missing "area"
            odd polygon           | [[1, 2, 4, 2, 4, 6]]     | [[1, 2, 4, 2, 4, 6, 7]]        | annotations[0] (id 11): segmentation: polygon #0: odd number of coordinates (7)
            4-value polygon       | [[1, 2, 4, 2, 4, 6]]     | [[1, 2, 4, 6]]                 | annotations[0] (id 11): segmentation: polygon #0: only 4 coordinates
            empty polygon list    | [[1, 2, 4, 2, 4, 6]]     | []                             | annotations[0] (id 11): segmentation: empty polygon list
            RLE sum               | [[1, 2, 4, 2, 4, 6]]     | {"size": [10, 20], "counts": [5, 5]} | annotations[0] (id 11): segmentation: RLE counts sum to 10, expected h*w = 10*20 = 200
            RLE negative          | [[1, 2, 4, 2, 4, 6]]     | {"size": [10, 20], "counts": [205, -5]} | annotations[0] (id 11): segmentation: RLE count #1 is negative
            RLE size vs image     | [[1, 2, 4, 2, 4, 6]]     | {"size": [20, 10], "counts": [200]} | annotations[0] (id 11): RLE size [20, 10] differs from image 7's [height, width] = [10, 20]
            bad RLE string        | [[1, 2, 4, 2, 4, 6]]     | {"size": [10, 20], "counts": "a~"} | annotations[0] (id 11): segmentation: compressed RLE: character '~'
            RLE without size      | [[1, 2, 4, 2, 4, 6]]     | {"counts": [200]}              | annotations[0] (id 11): segmentation: RLE needs "size": [h, w]
            bbox of strings       | "bbox": [1, 2, 3, 4]     | "bbox": "1 2 3 4"              | Expected BEGIN_ARRAY but was STRING
            """)
    void badAnnotationsNameTheRecord(String name, String from, String to, String expected) throws IOException {
        String ann = GOOD_ANN.replace(from, to.equals("(nothing)") ? "" : to);
        String json = "{" + IMAGES + ", " + CATEGORIES + ", \"annotations\": [" + ann + "]}";
        Path file = write("bad.json", json);
        CocoFormatException e = assertThrows(CocoFormatException.class, () -> CocoInstancesReader.read(file), name);
        assertTrue(e.getMessage().startsWith(file.toString()), name + ": message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), name + ": expected '" + expected + "' in: " + e.getMessage());
    }

    static Stream<Arguments> badFiles() {
        String anns = "\"annotations\": [" + GOOD_ANN + "]";
        return Stream.of(
                Arguments.of("duplicate annotation id", "{" + IMAGES + ", " + CATEGORIES + ", \"annotations\": [" + GOOD_ANN
                        + ", " + GOOD_ANN + "]}", "\"annotations\": id 11 appears twice, at [0] and [1]"),
                Arguments.of("duplicate image id", "{\"images\": [{\"id\": 7, \"width\": 1, \"height\": 1}, {\"id\": 7, "
                        + "\"width\": 1, \"height\": 1}], " + CATEGORIES + "}", "\"images\": id 7 appears twice, at [0] and [1]"),
                Arguments.of("image without height", "{\"images\": [{\"id\": 7, \"width\": 20}], " + CATEGORIES + "}",
                        "images[0] (id 7): expected positive \"width\" and \"height\", found width 20, height missing"),
                Arguments.of("no images list", "{" + CATEGORIES + ", " + anns + "}", "no \"images\" list"),
                Arguments.of("not an object", "[1, 2]", "expected a JSON object"),
                Arguments.of("truncated file", "{" + IMAGES + ", " + CATEGORIES + ", " + anns.substring(0, 60),
                        "not a COCO instances file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badFilesNameTheDefect(String name, String json, String expected) throws IOException {
        Path file = write("bad.json", json);
        CocoFormatException e = assertThrows(CocoFormatException.class, () -> CocoInstancesReader.read(file), name);
        assertTrue(e.getMessage().startsWith(file.toString()), name + ": message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), name + ": expected '" + expected + "' in: " + e.getMessage());
    }

    private Path write(String name, String json) throws IOException {
        return Files.writeString(tmp.resolve(name), json);
    }

    private static int indexOfId(CocoAnnotations anns, long id) {
        for (int i = 0; i < anns.size(); i++) {
            if (anns.id(i) == id) {
                return i;
            }
        }
        throw new AssertionError("no annotation " + id);
    }
}
