package dev.densepred.datasets.loader;

import ai.djl.ndarray.NDManager;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.batch.Collate;
import dev.densepred.datasets.batch.ImageBatch;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Normalize;
import dev.densepred.datasets.transform.PhotoMetricDistortion;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.datasets.transform.RandomCrop;
import dev.densepred.datasets.transform.RandomFlip;
import dev.densepred.datasets.transform.RandomResize;
import dev.densepred.datasets.transform.Resize;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two training pipelines end to end on the bundled COCO and ADE20K samples, with 2 workers. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RealDataPipelineTest {

    @TempDir
    Path tmp;

    @Test
    void maskRcnnPipelineOnCocoWithOneCorruptFile() throws IOException {
        List<Path> images = new ArrayList<>(Fixtures.list(Fixtures.dataRoot().resolve("coco_mini/images"), ".jpg"));
        Path corrupt = tmp.resolve("000000999999.jpg");
        byte[] bytes = Files.readAllBytes(images.get(0));
        Files.write(corrupt, Arrays.copyOf(bytes, bytes.length / 3));
        images.add(3, corrupt);

        Pipeline train = Pipeline.of(new Resize(Resize.Config.defaults()), new RandomFlip(RandomFlip.Config.defaults()),
                new Normalize(Normalize.Config.defaults()));
        List<SampleFailure> failures = new ArrayList<>();
        PrefetchLoader<Path, ImageSample> loader = PrefetchLoader.<Path, ImageSample>builder(images, (file, rng) -> {
                    ImageSample s = new ImageSample(ImageDecoder.readRgb(file), null);
                    train.apply(s, rng);
                    return s;
                })
                .batches(kept -> new AspectRatioBatchSampler(new Sampler(kept.size(), true),
                        i -> kept.get(i).getFileName().toString().matches("0000000(06818|37777)\\.jpg"), 2, false))
                .workers(2).describe(p -> p.getFileName().toString()).listener(failures::add).build();

        Collate collate = new Collate(Collate.Config.defaults());
        List<ImageMeta> metas = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
             BatchIterator<LoadedBatch<ImageSample>> it = loader.epoch(0, 0, 0)) {
            while (it.hasNext()) {
                try (Scope scope = Scope.open(root)) {
                    ImageBatch batch = collate.collate(it.next().samples(), scope.manager());
                    metas.addAll(batch.metas());
                    shapes.add(batch.images().getShape().toString());
                    assertEquals(0, batch.height() % 32);
                    assertEquals(0, batch.width() % 32);
                }
            }
        }
        assertAll(
                () -> assertEquals(6, shapes.size()),
                () -> assertEquals(10, metas.size()),
                () -> assertEquals(1, failures.size()),
                () -> assertEquals(corrupt, failures.get(0).file()),
                () -> assertEquals("000000999999.jpg", failures.get(0).record()));
        for (ImageMeta m : metas) {
            int[] want = Resize.rescaleSize(m.oriWidth(), m.oriHeight(), 1333, 800);
            assertEquals(want[0] + "x" + want[1], m.width() + "x" + m.height(), m.toString());
        }
    }

    @Test
    void upernetPipelineOnAde20k() {
        Path root = Fixtures.dataRoot().resolve("ade_mini");
        List<Path> labels = Fixtures.list(root.resolve("annotations/validation"), ".png");
        Pipeline train = Pipeline.of(new RandomResize(RandomResize.Config.defaults()),
                new RandomCrop(RandomCrop.Config.defaults()), new RandomFlip(RandomFlip.Config.defaults()),
                new PhotoMetricDistortion(PhotoMetricDistortion.Config.defaults()), new Normalize(Normalize.Config.defaults()));
        PrefetchLoader<Path, ImageSample> loader = PrefetchLoader.<Path, ImageSample>builder(labels, (label, rng) -> {
            Path image = root.resolve("images/validation").resolve(label.getFileName().toString().replace(".png", ".jpg"));
            Planar<GrayF32> img = ImageDecoder.readRgb(image);
            ImageSample s = new ImageSample(img, ImageDecoder.readLabels(label, img.width, img.height));
            train.apply(s, rng);
            return s;
        }).batchSize(3).workers(2).build();
        Collate collate = new Collate(new Collate.Config(1, new int[] {512, 512}, 0f, 255, Collate.LabelType.INT64));
        for (int epoch = 0; epoch < 2; epoch++) {
            try (NDManager manager = NDManager.newBaseManager();
                 BatchIterator<LoadedBatch<ImageSample>> it = loader.epoch(42, epoch, 0)) {
                List<ImageSample> samples = it.next().samples();
                for (ImageSample s : samples) {
                    ImageMeta m = s.meta();
                    assertTrue(m.width() <= 512 && m.height() <= 512, m.toString());
                    assertTrue(onlyAdeValues(s.labels()), "label values outside 0..150 after the pipeline");
                }
                ImageBatch batch = collate.collate(samples, manager);
                assertEquals("(3, 3, 512, 512)", batch.images().getShape().toString());
                long[] l = batch.labels().toLongArray();
                assertTrue(Arrays.stream(l).allMatch(v -> v <= 150 || v == 255));
            }
        }
    }

    private static boolean onlyAdeValues(GrayU8 labels) {
        for (int y = 0; y < labels.height; y++) {
            for (int x = 0; x < labels.width; x++) {
                if (labels.get(x, y) > 150) {
                    return false;
                }
            }
        }
        return true;
    }
}
