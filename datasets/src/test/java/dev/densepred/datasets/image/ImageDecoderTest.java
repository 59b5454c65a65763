package dev.densepred.datasets.image;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.densepred.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {

    @TempDir
    Path tmp;

    @Test
    void cocoImagesDecodeAtTheSizeTheAnnotationsGive() throws IOException {
        Path coco = Fixtures.dataRoot().resolve("coco_mini");
        JsonObject json = JsonParser.parseString(Files.readString(coco.resolve("annotations/instances_mini.json"))).getAsJsonObject();
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("images")) {
            JsonObject im = e.getAsJsonObject();
            String name = im.get("file_name").getAsString();
            Planar<GrayF32> img = ImageDecoder.readRgb(coco.resolve("images").resolve(name));
            checks.add(() -> assertEquals(im.get("width").getAsInt() + "x" + im.get("height").getAsInt(),
                    img.width + "x" + img.height, name));
            checks.add(() -> assertEquals(3, img.getNumBands(), name));
        }
        assertEquals(10, checks.size() / 2);
        assertAll(checks);
    }

    @Test
    void adeLabelMapsGiveTheStoredClassIndices() {
        // The values each file holds, as listed in data/README.md (checked there with PIL).
        Map<String, Set<Integer>> expected = Map.of(
                "ADE_val_00000001.png", Set.of(0, 1, 2, 3, 5, 7, 10, 18),
                "ADE_val_00000002.png", Set.of(0, 1, 2, 3, 5, 14, 18),
                "ADE_val_00000003.png", Set.of(0, 1, 2, 3, 5, 7, 12, 21, 44, 81, 88, 97, 103));
        Path dir = Fixtures.dataRoot().resolve("ade_mini/annotations/validation");
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        expected.forEach((file, values) -> {
            GrayU8 labels = ImageDecoder.readLabels(dir.resolve(file));
            Planar<GrayF32> img = ImageDecoder.readRgb(Fixtures.dataRoot()
                    .resolve("ade_mini/images/validation").resolve(file.replace(".png", ".jpg")));
            checks.add(() -> assertEquals(values, distinct(labels), file));
            checks.add(() -> assertEquals(img.width + "x" + img.height, labels.width + "x" + labels.height, file));
        });
        assertAll(checks);
    }

    @Test
    void paletteLabelPngGivesIndicesNotColours() throws IOException {
        // Palette entry i has colour (255 - i, 7, i): reading colours would give other numbers than the indices.
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) (255 - i);
            g[i] = 7;
            b[i] = (byte) i;
        }
        BufferedImage bi = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, g, b));
        int[] values = {0, 1, 2, 150, 255, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        bi.getRaster().setPixels(0, 0, 5, 3, values);
        Path file = tmp.resolve("palette.png");
        ImageIO.write(bi, "png", file.toFile());

        GrayU8 labels = ImageDecoder.readLabels(file);
        assertEquals(Arrays.toString(values), Arrays.toString(toInts(labels)));
    }

    @Test
    void greyLabelPngGivesStoredValues() throws IOException {
        BufferedImage bi = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 255, 17, 150, 1, 2, 254, 128};
        bi.getRaster().setPixels(0, 0, 4, 2, values);
        Path file = tmp.resolve("grey.png");
        ImageIO.write(bi, "png", file.toFile());
        assertEquals(Arrays.toString(values), Arrays.toString(toInts(ImageDecoder.readLabels(file))));
    }

    @Test
    void rgbBandsAreInRgbOrderAndGreyIsReplicated() throws IOException {
        BufferedImage rgb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, (10 << 16) | (20 << 8) | 30);
        rgb.setRGB(1, 0, (200 << 16) | (100 << 8) | 1);
        Path file = tmp.resolve("rgb.png");
        ImageIO.write(rgb, "png", file.toFile());
        Planar<GrayF32> img = ImageDecoder.readRgb(file);
        assertEquals("[10.0, 200.0][20.0, 100.0][30.0, 1.0]", bandsToString(img));

        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setPixels(0, 0, 2, 1, new int[] {9, 250});
        Path greyFile = tmp.resolve("grey.png");
        ImageIO.write(grey, "png", greyFile.toFile());
        assertEquals("[9.0, 250.0][9.0, 250.0][9.0, 250.0]", bandsToString(ImageDecoder.readRgb(greyFile)));
    }

    @Test
    void paletteColourImageDecodesToItsColours() throws IOException {
        byte[] r = {0, (byte) 200};
        byte[] g = {50, 10};
        byte[] b = {100, 20};
        BufferedImage bi = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(1, 2, r, g, b));
        bi.getRaster().setPixels(0, 0, 2, 1, new int[] {1, 0});
        Path file = tmp.resolve("palette_rgb.png");
        ImageIO.write(bi, "png", file.toFile());
        assertEquals("[200.0, 0.0][10.0, 50.0][20.0, 100.0]", bandsToString(ImageDecoder.readRgb(file)));
    }

    @Test
    void badFilesAreReportedByName() throws IOException {
        Path jpeg = Fixtures.dataRoot().resolve("coco_mini/images/000000397133.jpg");
        byte[] bytes = Files.readAllBytes(jpeg);
        Path truncatedJpeg = tmp.resolve("truncated.jpg");
        Files.write(truncatedJpeg, Arrays.copyOf(bytes, bytes.length / 2));
        Path png = Fixtures.dataRoot().resolve("ade_mini/annotations/validation/ADE_val_00000001.png");
        byte[] pngBytes = Files.readAllBytes(png);
        Path truncatedPng = tmp.resolve("truncated.png");
        Files.write(truncatedPng, Arrays.copyOf(pngBytes, pngBytes.length / 2));
        Path text = tmp.resolve("text.jpg");
        Files.writeString(text, "not an image at all");
        Path empty = tmp.resolve("empty.png");
        Files.write(empty, new byte[0]);
        Path missing = tmp.resolve("missing.jpg");

        assertAll(
                () -> assertReported(truncatedJpeg, () -> ImageDecoder.readRgb(truncatedJpeg)),
                () -> assertReported(truncatedPng, () -> ImageDecoder.readLabels(truncatedPng)),
                () -> assertReported(text, () -> ImageDecoder.readRgb(text)),
                () -> assertReported(empty, () -> ImageDecoder.readRgb(empty)),
                () -> assertReported(missing, () -> ImageDecoder.readRgb(missing)),
                () -> assertReported(tmp, () -> ImageDecoder.readRgb(tmp)));
    }

    @Test
    void labelFilesWithColourOrSixteenBitsAreRefused() throws IOException {
        Path rgb = tmp.resolve("rgb_labels.png");
        ImageIO.write(new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB), "png", rgb.toFile());
        Path wide = tmp.resolve("u16_labels.png");
        ImageIO.write(new BufferedImage(3, 3, BufferedImage.TYPE_USHORT_GRAY), "png", wide.toFile());
        ImageDecodeException e1 = assertThrows(ImageDecodeException.class, () -> ImageDecoder.readLabels(rgb));
        ImageDecodeException e2 = assertThrows(ImageDecodeException.class, () -> ImageDecoder.readLabels(wide));
        assertAll(
                () -> assertTrue(e1.getMessage().contains("3 channels"), e1.getMessage()),
                () -> assertTrue(e2.getMessage().contains("16-bit"), e2.getMessage()));
    }

    @Test
    void labelMapOfAnotherSizeThanItsImageIsReported() {
        Path file = Fixtures.dataRoot().resolve("ade_mini/annotations/validation/ADE_val_00000002.png");
        assertEquals(500, ImageDecoder.readLabels(file, 500, 364).width);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.readLabels(file, 364, 500));
        assertTrue(e.getMessage().contains("label map is 500x364 but its image is 364x500"), e.getMessage());
        assertEquals(file, e.file().orElseThrow());
    }

    private static void assertReported(Path file, org.junit.jupiter.api.function.Executable read) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, read, file.toString());
        assertEquals(file, e.file().orElseThrow());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    private static Set<Integer> distinct(GrayU8 img) {
        Set<Integer> out = new TreeSet<>();
        for (int v : toInts(img)) {
            out.add(v);
        }
        return out;
    }

    private static int[] toInts(GrayU8 img) {
        int[] out = new int[img.width * img.height];
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                out[y * img.width + x] = img.get(x, y);
            }
        }
        return out;
    }

    private static String bandsToString(Planar<GrayF32> img) {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < img.getNumBands(); b++) {
            float[] row = new float[img.width];
            for (int x = 0; x < img.width; x++) {
                row[x] = img.getBand(b).get(x, 0);
            }
            sb.append(Arrays.toString(row));
        }
        return sb.toString();
    }
}
