package dev.densepred.tools;

import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Normalize;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.datasets.transform.RandomFlip;
import dev.densepred.datasets.transform.Resize;
import dev.densepred.engine.data.BatchIterator;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code benchmark data}: images per second through the Mask R-CNN training pipeline (decode, resize keep-ratio
 * to 1333x800, flip 0.5, normalize) on the prefetching loader, for each worker count asked for.
 */
@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Loader throughput: decode + resize to 1333x800 + flip + normalize, images/s per worker count.",
        footer = {"", "Examples:", "  densepred benchmark data --images data/coco_mini/images --workers 1,2"})
final class DataBenchmark implements Callable<Integer> {

    @Option(names = "--images", required = true, description = "Folder of .jpg/.png images.")
    Path images;

    @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "Worker counts to measure (default: 1,2).")
    List<Integer> workers;

    @Option(names = "--epochs", defaultValue = "20", description = "Timed passes over the images (default: 20).")
    int epochs;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed passes first, for the JIT (default: 3).")
    int warmup;

    @Override
    public Integer call() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png)")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .jpg or .png files in " + images);
        }
        Pipeline pipeline = Pipeline.of(new Resize(Resize.Config.defaults()), new RandomFlip(RandomFlip.Config.defaults()),
                new Normalize(Normalize.Config.defaults()));
        PrintStream out = System.out;
        out.printf("%d images from %s, %d timed epochs, %d cores%n", files.size(), images, epochs,
                Runtime.getRuntime().availableProcessors());
        out.printf("%-8s %10s %12s%n", "workers", "images/s", "ms/image");
        for (int w : workers) {
            PrefetchLoader<Path, ImageSample> loader = PrefetchLoader.<Path, ImageSample>builder(files, (file, rng) -> {
                ImageSample sample = new ImageSample(ImageDecoder.readRgb(file), null);
                pipeline.apply(sample, rng);
                return sample;
            }).batchSize(2).workers(w).build();
            for (int e = 0; e < warmup; e++) {
                drain(loader, e);
            }
            long t0 = System.nanoTime();
            long count = 0;
            for (int e = 0; e < epochs; e++) {
                count += drain(loader, warmup + e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf("%-8d %10.1f %12.1f%n", w, count / seconds, 1000 * seconds / count);
        }
        return 0;
    }

    private static long drain(PrefetchLoader<Path, ImageSample> loader, int epoch) {
        long n = 0;
        try (BatchIterator<LoadedBatch<ImageSample>> it = loader.epoch(0, epoch, 0)) {
            while (it.hasNext()) {
                n += it.next().samples().size();
            }
        }
        return n;
    }
}
