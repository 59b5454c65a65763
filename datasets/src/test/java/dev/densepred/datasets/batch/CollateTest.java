package dev.densepred.datasets.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.engine.runtime.Scope;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CollateTest {

    @Test
    void padsToTheBatchMaximumRoundedTo32AndKeepsMetas() {
        ImageSample a = sample(40, 30, 1);
        ImageSample b = sample(20, 65, 2);
        try (NDManager root = NDManager.newBaseManager()) {
            try (Scope scope = Scope.open(root)) {
                ImageBatch batch = new Collate(Collate.Config.defaults()).collate(List.of(a, b), scope.manager());
                float[] img = batch.images().toFloatArray();
                long[] labels = batch.labels().toLongArray();
                int h = 96;
                int w = 64;
                assertAll(
                        () -> assertEquals(new Shape(2, 3, h, w), batch.images().getShape()),
                        () -> assertEquals(DataType.FLOAT32, batch.images().getDataType()),
                        () -> assertEquals(new Shape(2, h, w), batch.labels().getShape()),
                        () -> assertEquals(DataType.INT64, batch.labels().getDataType()),
                        () -> assertEquals(h, batch.height()),
                        () -> assertEquals(w, batch.width()),
                        // Image a, band 2, pixel (39, 29): its value; (40, 29) and (0, 30): padding 0.
                        () -> assertEquals(value(39, 29, 2, 1), img[index(0, 2, 29, 39, h, w)]),
                        () -> assertEquals(0f, img[index(0, 2, 29, 40, h, w)]),
                        () -> assertEquals(0f, img[index(0, 0, 30, 0, h, w)]),
                        // Image b, band 1, pixel (19, 64), then the padding beyond it.
                        () -> assertEquals(value(19, 64, 1, 2), img[index(1, 1, 64, 19, h, w)]),
                        () -> assertEquals(0f, img[index(1, 1, 64, 20, h, w)]),
                        () -> assertEquals(label(39, 29), labels[(0 * h + 29) * w + 39]),
                        () -> assertEquals(255L, labels[(0 * h + 29) * w + 40]),
                        () -> assertEquals(label(19, 64), labels[(1 * h + 64) * w + 19]),
                        () -> assertEquals(255L, labels[(1 * h + 95) * w + 63]),
                        () -> assertEquals(30, batch.metas().get(0).height()),
                        () -> assertEquals(20, batch.metas().get(1).width()));
            }
            assertEquals(0, Scope.liveArrays(root), "arrays outlived the iteration scope");
        }
    }

    @Test
    void fixedSizeUint8LabelsAndImageOnlyBatches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Collate seg = new Collate(new Collate.Config(1, new int[] {64, 48}, 0f, 255, Collate.LabelType.UINT8));
            ImageBatch batch = seg.collate(List.of(sample(40, 30, 3)), manager);
            assertEquals(new Shape(1, 3, 64, 48), batch.images().getShape());
            assertEquals(DataType.UINT8, batch.labels().getDataType());
            byte[] labels = batch.labels().toByteArray();
            assertEquals((byte) 255, labels[63 * 48 + 47]);
            assertEquals((byte) label(5, 7), labels[7 * 48 + 5]);

            ImageSample noLabels = new ImageSample(sample(10, 10, 4).image(), null);
            ImageBatch det = new Collate(Collate.Config.defaults()).collate(List.of(noLabels), manager);
            assertNull(det.labels());
            NDArray images = det.images();
            assertEquals(new Shape(1, 3, 32, 32), images.getShape());
            assertThrows(IllegalArgumentException.class, () -> seg.collate(List.of(sample(49, 10, 5)), manager));
        }
    }

    private static int index(int n, int c, int y, int x, int h, int w) {
        return ((n * 3 + c) * h + y) * w + x;
    }

    private static float value(int x, int y, int band, int seed) {
        return (x * 3 + y * 5 + band * 11 + seed * 17) % 251 - 100.5f;
    }

    private static int label(int x, int y) {
        return (x + 2 * y) % 150;
    }

    private static ImageSample sample(int w, int h, int seed) {
        Planar<GrayF32> img = new Planar<>(GrayF32.class, w, h, 3);
        GrayU8 labels = new GrayU8(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int b = 0; b < 3; b++) {
                    img.getBand(b).set(x, y, value(x, y, b, seed));
                }
                labels.set(x, y, label(x, y));
            }
        }
        return new ImageSample(img, labels);
    }
}
