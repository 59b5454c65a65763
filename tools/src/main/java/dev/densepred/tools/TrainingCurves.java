package dev.densepred.tools;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The curves of a training run, read from the {@code scalars.jsonl} the trainer writes: losses and learning rate
 * per logged iteration, and evaluation metrics per evaluation. Renders them as one PNG of stacked charts.
 */
final class TrainingCurves {

    /** Keys of a train record that are bookkeeping, not curves. */
    private static final Set<String> NOT_CURVES = Set.of("mode", "epoch", "iter", "eta_seconds", "skipped_steps");

    /** One named series of (iteration, value) points. */
    record Series(String name, List<Double> x, List<Double> y) {}

    private final Map<String, Series> train = new LinkedHashMap<>();
    private final Map<String, Series> val = new LinkedHashMap<>();

    /** Reads {@code workDir/scalars.jsonl}; a malformed line is an error naming the file and line. */
    static TrainingCurves read(Path workDir) throws IOException {
        Path file = workDir.resolve("scalars.jsonl");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file + " (not a work directory of 'densepred train'?)");
        }
        TrainingCurves c = new TrainingCurves();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": not a JSON object: " + e.getMessage());
            }
            if (!o.has("iter")) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": no \"iter\"");
            }
            double iter = o.get("iter").getAsDouble();
            Map<String, Series> target = "val".equals(o.has("mode") ? o.get("mode").getAsString() : "train") ? c.val : c.train;
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                if (NOT_CURVES.contains(e.getKey()) || !e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
                    continue;
                }
                Series s = target.computeIfAbsent(e.getKey(), k -> new Series(k, new ArrayList<>(), new ArrayList<>()));
                s.x().add(iter);
                s.y().add(e.getValue().getAsDouble());
            }
        }
        if (c.train.isEmpty() && c.val.isEmpty()) {
            throw new IllegalArgumentException(file + " has no logged iterations yet");
        }
        return c;
    }

    Map<String, Series> train() {
        return train;
    }

    Map<String, Series> val() {
        return val;
    }

    /** Writes the losses, learning-rate and metric charts stacked in one PNG at {@code out}. */
    void render(Path out, String title) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        XYChart losses = chart(title + ": losses", "loss");
        XYChart lr = chart("learning rate", "lr");
        XYChart other = chart("time per iteration", "seconds");
        for (Series s : train.values()) {
            XYChart target = s.name().contains("loss") && !s.name().equals("loss_scale") ? losses
                    : s.name().equals("lr") ? lr : null;
            if (target != null) {
                target.addSeries(s.name(), s.x(), s.y());
            } else if (s.name().equals("time") || s.name().equals("data_time")) {
                other.addSeries(s.name(), s.x(), s.y());
            }
        }
        charts.add(losses);
        charts.add(lr);
        if (!val.isEmpty()) {
            XYChart metrics = chart("evaluation", "metric");
            for (Series s : val.values()) {
                if (!s.name().equals("time")) {
                    metrics.addSeries(s.name(), s.x(), s.y());
                }
            }
            charts.add(metrics);
        }
        if (!other.getSeriesMap().isEmpty()) {
            charts.add(other);
        }
        charts.removeIf(ch -> ch.getSeriesMap().isEmpty());
        double maxIter = java.util.stream.Stream.concat(train.values().stream(), val.values().stream()).flatMap(s -> s.x().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        for (XYChart ch : charts) {
            // A fixed origin keeps XChart's ticks on round iterations instead of multiples of the first logged one.
            ch.getStyler().setXAxisMin(0.0);
            ch.getStyler().setXAxisMax(maxIter);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        String name = out.toString();
        String base = name.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        BitmapEncoder.saveBitmap(new ArrayList<>(charts), charts.size(), 1, base, BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(900).height(320).title(title).xAxisTitle("iteration").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setMarkerSize(3);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return c;
    }
}
