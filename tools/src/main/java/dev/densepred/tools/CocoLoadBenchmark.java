package dev.densepred.tools;

import com.google.gson.stream.JsonWriter;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.datasets.coco.SyntheticInstances;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code benchmark coco-load}: parse time and retained heap of a COCO instances file. */
@Command(
        name = "coco-load",
        mixinStandardHelpOptions = true,
        description = "Time the streaming COCO instances reader and measure the heap the loaded annotations retain. "
                + "Without --file, writes (once) a synthetic file the size of instances_train2017.json "
                + "(118,287 images, 860,001 annotations, about 460 MB).",
        footer = {"", "Examples:", "  densepred benchmark coco-load",
            "  densepred benchmark coco-load --file instances_train2017.json --repeat 3 \\",
            "      --json load.json"})
final class CocoLoadBenchmark implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--file", paramLabel = "FILE", description = "An instances file to load instead of the synthetic one.")
    Path file;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "work_dirs/bench/coco",
            description = "Where the synthetic file is written and reused (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Timed loads (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the figures to this JSON file.")
    Path json;

    @Override
    public Integer call() throws IOException {
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be >= 1, found " + repeat);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path input = file;
        if (input == null) {
            Files.createDirectories(dir);
            input = dir.resolve("synthetic_instances_train2017.json");
            if (!Files.exists(input)) {
                long t0 = System.nanoTime();
                Path partial = dir.resolve("synthetic_instances_train2017.json.tmp");
                SyntheticInstances.write(partial, SyntheticInstances.Settings.train2017());
                Files.move(partial, input);
                out.printf(Locale.ROOT, "generated %s in %.1f s%n", input, (System.nanoTime() - t0) / 1e9);
            }
        }
        long before = HeapMeter.usedAfterGc();
        double[] seconds = new double[repeat];
        CocoInstances coco = null;
        for (int i = 0; i < repeat; i++) {
            coco = null;
            HeapMeter.usedAfterGc();
            long t0 = System.nanoTime();
            coco = CocoInstancesReader.read(input);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        long retained = HeapMeter.usedAfterGc() - before;
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = sorted[repeat / 2];
        long bytes = Files.size(input);
        out.printf(Locale.ROOT, "file              %s (%.0f MB)%n", input, bytes / 1e6);
        out.printf(Locale.ROOT, "images            %,d%n", coco.images().size());
        out.printf(Locale.ROOT, "annotations       %,d%n", coco.annotations().size());
        out.printf(Locale.ROOT, "categories        %,d%n", coco.categories().size());
        out.printf(Locale.ROOT, "parse seconds     %s (best %.2f, median %.2f)%n", Arrays.toString(round2(seconds)), sorted[0], median);
        out.printf(Locale.ROOT, "parse rate        %.0f MB/s (median)%n", bytes / 1e6 / median);
        out.printf(Locale.ROOT, "retained heap     %s (segmentations %s)%n", HeapMeter.mib(retained),
                HeapMeter.mib(coco.annotations().store().byteSize()));
        out.printf(Locale.ROOT, "threads / cores   1 / %d%n", Runtime.getRuntime().availableProcessors());
        out.flush();
        if (json != null) {
            try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8); JsonWriter jw = new JsonWriter(w)) {
                jw.setIndent("  ");
                jw.beginObject();
                jw.name("file").value(input.toString());
                jw.name("bytes").value(bytes);
                jw.name("images").value(coco.images().size());
                jw.name("annotations").value(coco.annotations().size());
                jw.name("parse_seconds").beginArray();
                for (double s : seconds) {
                    jw.value(s);
                }
                jw.endArray();
                jw.name("retained_heap_bytes").value(retained);
                jw.name("segmentation_bytes").value(coco.annotations().store().byteSize());
                jw.endObject();
            }
        }
        return 0;
    }

    private static double[] round2(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = Math.round(v[i] * 100) / 100.0;
        }
        return r;
    }
}
