package dev.densepred.tools;

import com.google.gson.stream.JsonWriter;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.datasets.coco.SyntheticInstances;
import dev.densepred.detection.eval.CocoEvalParams;
import dev.densepred.detection.eval.CocoEvalResult;
import dev.densepred.detection.eval.CocoEvaluator;
import dev.densepred.detection.eval.CocoResults;
import dev.densepred.detection.eval.CocoResultsReader;
import dev.densepred.detection.eval.IouType;
import dev.densepred.detection.eval.SyntheticDetections;

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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code benchmark coco-eval}: COCO evaluation time and heap on a val2017-sized synthetic job. */
@Command(
        name = "coco-eval",
        mixinStandardHelpOptions = true,
        description = "Time COCO evaluation end to end (load ground truth, load results, evaluate, summarize) on a "
                + "synthetic job the size of COCO val2017: 5,000 images, 36,781 annotations, 100 detections per "
                + "image, written once to --dir as gt.json, dets_bbox.json and dets_segm.json (the same files can be "
                + "given to pycocotools for comparison).",
        footer = {"", "Examples:", "  java -Xmx1g -jar tools/target/densepred.jar benchmark coco-eval",
            "  densepred benchmark coco-eval --iou-type segm --threads 2 --repeat 3 \\",
            "      --json eval.json"})
final class CocoEvalBenchmark implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "work_dirs/bench/coco-eval",
            description = "Where the synthetic files are written and reused (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--iou-type", paramLabel = "TYPE", split = ",", defaultValue = "bbox,segm",
            description = "bbox, segm or both, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> iouTypes;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Timed runs per iou type (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the figures to this JSON file.")
    Path json;

    private record Run(String type, double loadGt, double loadResults, double evaluate, double total, long peakHeap, double ap) {}

    @Override
    public Integer call() throws IOException {
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be >= 1, found " + repeat);
        }
        PrintWriter out = spec.commandLine().getOut();
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        Path gtFile = dir.resolve("gt.json");
        Path boxFile = dir.resolve("dets_bbox.json");
        Path segmFile = dir.resolve("dets_segm.json");
        generate(out, gtFile, boxFile, segmFile);

        List<Run> runs = new ArrayList<>();
        out.printf(Locale.ROOT, "%-5s %8s %10s %9s %8s %10s %7s%n", "type", "load gt", "load dets", "evaluate", "total", "peak heap", "AP");
        for (String name : iouTypes) {
            IouType type = IouType.parse(name.trim());
            Path dets = type == IouType.BBOX ? boxFile : segmFile;
            for (int i = 0; i < repeat; i++) {
                HeapMeter.usedAfterGc();
                HeapMeter.resetPeak();
                long t0 = System.nanoTime();
                CocoInstances gt = CocoInstancesReader.read(gtFile);
                long t1 = System.nanoTime();
                CocoResults results = CocoResultsReader.read(dets, gt);
                long t2 = System.nanoTime();
                CocoEvalResult r = CocoEvaluator.evaluate(gt, results, type, new CocoEvaluator.Settings(CocoEvalParams.defaults(), n));
                r.summaryLines();
                long t3 = System.nanoTime();
                Run run = new Run(type.cocoName(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9,
                        HeapMeter.peak(), r.stats()[0]);
                runs.add(run);
                out.printf(Locale.ROOT, "%-5s %7.2fs %9.2fs %8.2fs %7.2fs %10s %7.4f%n", run.type(), run.loadGt(),
                        run.loadResults(), run.evaluate(), run.total(), HeapMeter.mib(run.peakHeap()), run.ap());
                out.flush();
            }
        }
        out.printf(Locale.ROOT, "threads %d of %d cores, max heap %s; peak heap is the sum of the heap pools' peaks%n", n,
                Runtime.getRuntime().availableProcessors(), HeapMeter.mib(Runtime.getRuntime().maxMemory()));
        out.flush();
        if (json != null) {
            writeJson(runs, n);
        }
        return 0;
    }

    private void generate(PrintWriter out, Path gtFile, Path boxFile, Path segmFile) throws IOException {
        if (Files.exists(gtFile) && Files.exists(boxFile) && Files.exists(segmFile)) {
            return;
        }
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        Path gtTmp = dir.resolve("gt.json.tmp");
        SyntheticInstances.write(gtTmp, SyntheticInstances.Settings.val2017());
        Files.move(gtTmp, gtFile, StandardCopyOption.REPLACE_EXISTING);
        Path boxTmp = dir.resolve("dets_bbox.json.tmp");
        Path segmTmp = dir.resolve("dets_segm.json.tmp");
        SyntheticDetections.write(CocoInstancesReader.read(gtFile), boxTmp, segmTmp, SyntheticDetections.Settings.defaults());
        Files.move(boxTmp, boxFile, StandardCopyOption.REPLACE_EXISTING);
        Files.move(segmTmp, segmFile, StandardCopyOption.REPLACE_EXISTING);
        out.printf(Locale.ROOT, "generated %s (gt.json, dets_bbox.json, dets_segm.json) in %.1f s%n", dir,
                (System.nanoTime() - t0) / 1e9);
    }

    private void writeJson(List<Run> runs, int n) throws IOException {
        try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8); JsonWriter jw = new JsonWriter(w)) {
            jw.setIndent("  ");
            jw.beginObject();
            jw.name("threads").value(n);
            jw.name("runs").beginArray();
            for (Run r : runs) {
                jw.beginObject();
                jw.name("iou_type").value(r.type());
                jw.name("load_gt_seconds").value(r.loadGt());
                jw.name("load_results_seconds").value(r.loadResults());
                jw.name("evaluate_seconds").value(r.evaluate());
                jw.name("total_seconds").value(r.total());
                jw.name("peak_heap_bytes").value(r.peakHeap());
                jw.name("ap").value(r.ap());
                jw.endObject();
            }
            jw.endArray();
            jw.endObject();
        }
    }
}
