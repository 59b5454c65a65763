package dev.densepred.tools;

import com.google.gson.stream.JsonWriter;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.detection.eval.CocoEvalParams;
import dev.densepred.detection.eval.CocoEvalResult;
import dev.densepred.detection.eval.CocoEvaluator;
import dev.densepred.detection.eval.CocoResults;
import dev.densepred.detection.eval.CocoResultsReader;
import dev.densepred.detection.eval.IouType;

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
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code eval-coco}: pycocotools' COCOeval on a ground-truth file and a results file, with its exact summary. */
@Command(
        name = "eval-coco",
        mixinStandardHelpOptions = true,
        description = {
            "Evaluate a COCO results file against a COCO ground-truth file with pycocotools' COCOeval semantics "
                    + "(same numbers to the last digit), and print the 12-line summary as pycocotools prints it, "
                    + "followed by mmdetection's per-category AP table.",
            "Results are the standard COCO results JSON: a list of {image_id, category_id, bbox [x,y,w,h] or "
                    + "segmentation (RLE), score}."},
        footer = {"", "Examples:",
            "  densepred eval-coco --gt val2017.json --results bbox.json --iou-type bbox",
            "  densepred eval-coco --gt val2017.json --results segm.json --iou-type segm \\",
            "      --json segm_metrics.json",
            "", "--json writes {\"stats\": [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs,",
            "ARm, ARl], \"per_category_ap\": {\"<category id>\": AP or null}}; -1 in stats means",
            "nothing to average, as in pycocotools."})
final class EvalCocoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--gt", required = true, paramLabel = "FILE", description = "COCO ground truth (instances JSON).")
    Path gt;

    @Option(names = "--results", required = true, paramLabel = "FILE", description = "COCO results JSON (a list of detections).")
    Path results;

    @Option(names = "--iou-type", required = true, paramLabel = "TYPE", description = "bbox or segm.")
    String iouType;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the stats and per-category AP to this JSON file.")
    Path json;

    @Option(names = "--category-keys", paramLabel = "id|name", defaultValue = "id",
            description = "Key the JSON's per_category_ap by category id or by name (default: ${DEFAULT-VALUE}).")
    String categoryKeys;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        IouType type = IouType.parse(iouType);
        for (Path f : new Path[] {gt, results}) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException((f == gt ? "--gt " : "--results ") + f + ": no such file");
            }
        }
        if (!categoryKeys.equals("id") && !categoryKeys.equals("name")) {
            throw new IllegalArgumentException("--category-keys must be id or name, found '" + categoryKeys + "'");
        }
        CocoInstances instances = CocoInstancesReader.read(gt);
        CocoResults dets = CocoResultsReader.read(results, instances);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (dets.size() == 0) {
            err.println("warning: " + results + " holds no detections; every AP is 0 (pycocotools refuses such a file)");
        }
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        CocoEvalResult r = CocoEvaluator.evaluate(instances, dets, type, new CocoEvaluator.Settings(CocoEvalParams.defaults(), n));
        r.summaryLines().forEach(out::println);
        out.println();
        out.println("per-category AP (" + type.cocoName() + "):");
        r.categoryTable().forEach(out::println);
        out.flush();
        err.flush();
        if (json != null) {
            writeJson(r, jsonKeys(r));
        }
        return 0;
    }

    private String[] jsonKeys(CocoEvalResult r) {
        long[] ids = r.categoryIds();
        String[] keys = new String[ids.length];
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < ids.length; k++) {
            keys[k] = categoryKeys.equals("id") ? Long.toString(ids[k]) : r.categoryName(k);
            if (!seen.add(keys[k])) {
                throw new IllegalArgumentException(gt + ": two categories are named '" + keys[k]
                        + "'; use --category-keys id");
            }
        }
        return keys;
    }

    private void writeJson(CocoEvalResult r, String[] keys) throws IOException {
        try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8); JsonWriter jw = new JsonWriter(w)) {
            jw.setIndent("  ");
            jw.beginObject();
            jw.name("stats").beginArray();
            for (double s : r.stats()) {
                jw.value(s);
            }
            jw.endArray();
            jw.name("per_category_ap").beginObject();
            for (int k = 0; k < keys.length; k++) {
                double ap = r.categoryAp(k);
                jw.name(keys[k]);
                if (Double.isNaN(ap)) {
                    jw.nullValue();
                } else {
                    jw.value(ap);
                }
            }
            jw.endObject();
            jw.endObject();
        }
    }
}
