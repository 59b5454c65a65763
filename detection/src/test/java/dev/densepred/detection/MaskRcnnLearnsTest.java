package dev.densepred.detection;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.RleMask;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.detection.eval.CocoEvalResult;
import dev.densepred.detection.eval.CocoEvaluator;
import dev.densepred.detection.eval.CocoResults;
import dev.densepred.detection.eval.IouType;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.optim.AdamW;
import dev.densepred.engine.train.optim.Optimizer;
import dev.densepred.engine.train.optim.GradClip;
import dev.densepred.engine.train.optim.ParamGroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Evidence that the whole detector learns: a tiny Mask R-CNN trained from scratch on 16 synthetic 128x128 images
 * (rectangles, ellipses and triangles, one class each, with a class-tinted random colour on a noisy background; masks
 * are the shapes' polygons rasterised as pycocotools does) and evaluated on the same images with
 * {@link CocoEvaluator}. Training: AdamW lr 1e-3 (weight decay 0.05 on weights), 50 warm-up steps, lr x 0.1 for the
 * last quarter, gradient norm clipped at 10, 2 images per step, 128 RoIs per image.
 *
 * <p>Measured (seeds as below, 2-core development machine, FPN with mmdetection's Xavier init): after 100 steps box
 * AP 0.348 and mask AP 0.492 (17 s); after 200 steps box AP 0.747 and mask AP 0.797. The bars sit about 30 % below the
 * 100-step figures, for other platforms' floating-point and thread-count differences.
 */
class MaskRcnnLearnsTest {

    private static final int IMAGES = 16;
    private static final int SIZE = 128;
    private static final int CLASSES = 3;
    private static final int STEPS = 100;
    private static final int BATCH = 2;
    private static final double MAX_NORM = 10;

    /** Box AP must exceed this (measured 0.348 after {@value #STEPS} steps). */
    private static final double BOX_AP_BAR = 0.25;
    /** Mask AP must exceed this (measured 0.492 after {@value #STEPS} steps). */
    private static final double MASK_AP_BAR = 0.32;

    private record Sample(float[] pixels, InstanceTargets targets) {}

    @Test
    void learnsSyntheticShapes(@TempDir Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            samples.add(sample(rnd));
        }
        Path gtFile = dir.resolve("gt.json");
        Files.writeString(gtFile, cocoJson(samples));
        CocoInstances gt = CocoInstancesReader.read(gtFile);

        Engine.getInstance().setRandomSeed(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            MaskRcnn model = MaskRcnn.build(TinyMaskRcnn.model(CLASSES, "\"train_cfg\": {\"rcnn\": {\"sampler\": {\"num\": 128, \"pos_fraction\": 0.25}}}"), manager);
            model.seedSampling(7);
            train(model, samples, manager);
            model.train(false);
            CocoResults.Builder results = CocoResults.builder(gt);
            for (int start = 0; start < IMAGES; start += 4) {
                List<Sample> batch = samples.subList(start, start + 4);
                try (Scope scope = Scope.open(manager)) {
                    List<Detections> dets = model.predict(images(scope.manager(), batch), metas(batch.size()));
                    for (int b = 0; b < dets.size(); b++) {
                        Detections d = dets.get(b);
                        float[] boxes = d.boxes();
                        for (int k = 0; k < d.size(); k++) {
                            double[] xywh = {boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2] - boxes[4 * k], boxes[4 * k + 3] - boxes[4 * k + 1]};
                            results.add(start + b + 1, d.labels()[k] + 1, d.scores()[k], xywh, d.masks().get(k));
                        }
                    }
                }
            }
            CocoResults res = results.build();
            double boxAp = CocoEvaluator.evaluate(gt, res, IouType.BBOX, CocoEvaluator.Settings.defaults()).stats()[0];
            double maskAp = CocoEvaluator.evaluate(gt, res, IouType.SEGM, CocoEvaluator.Settings.defaults()).stats()[0];
            assertTrue(boxAp > BOX_AP_BAR, "box AP " + boxAp + " <= " + BOX_AP_BAR);
            assertTrue(maskAp > MASK_AP_BAR, "mask AP " + maskAp + " <= " + MASK_AP_BAR);
        }
    }

    private static void train(MaskRcnn model, List<Sample> samples, NDManager manager) {
        Map<String, NDArray> masters = new LinkedHashMap<>();
        List<String> decay = new ArrayList<>();
        List<String> noDecay = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            if (!e.getValue().trainable()) {
                continue;
            }
            masters.put(e.getKey(), e.getValue().array());
            (e.getValue().kind() == Parameter.Kind.WEIGHT ? decay : noDecay).add(e.getKey());
        }
        double lr = 1e-3;
        AdamW adamw = new AdamW(new AdamW.Config(lr, new double[] {0.9, 0.999}, 1e-8, 0.05),
                List.of(new ParamGroup("decay", lr, 0.05, decay), new ParamGroup("no_decay", lr, 0, noDecay)), masters, manager);
        SplittableRandom order = new SplittableRandom(3);
        for (int step = 0; step < STEPS; step++) {
            List<Sample> batch = new ArrayList<>();
            for (int b = 0; b < BATCH; b++) {
                batch.add(samples.get(order.nextInt(samples.size())));
            }
            try (Scope scope = Scope.open(manager)) {
                try (Autograd.Recording r = Autograd.record()) {
                    List<InstanceTargets> targets = batch.stream().map(Sample::targets).toList();
                    Losses losses = model.forwardTrain(images(scope.manager(), batch), metas(batch.size()), targets);
                    Autograd.backward(losses.total());
                }
                try (Autograd.Recording off = Autograd.noGrad()) {
                    List<NDArray> grads = new ArrayList<>();
                    for (Optimizer.Slot s : adamw.slots()) {
                        PtNDArray g = JniUtils.getGradient((PtNDArray) masters.get(s.name()));
                        if (g != null) {
                            g.attach(scope.manager());
                        }
                        grads.add(g);
                    }
                    double warm = Math.min(1.0, (step + 1) / 50.0);
                    double decayed = step >= STEPS * 3 / 4 ? 0.1 : 1.0;
                    NDArray norm = GradClip.totalNorm(grads, 2);
                    double coef = GradClip.coefficient(norm.getFloat(), MAX_NORM);
                    if (!(norm.getFloat() < 1e6)) {
                        List<String> large = new ArrayList<>();
                        for (Map.Entry<String, NDArray> e : masters.entrySet()) {
                            float max = e.getValue().getGradient().abs().max().getFloat();
                            if (!(max < 1e3)) {
                                large.add(e.getKey() + "=" + max);
                            }
                        }
                        throw new AssertionError("step " + step + ": gradient norm " + norm.getFloat() + "; largest in " + large);
                    }
                    adamw.step(grads, new double[] {lr * warm * decayed, lr * warm * decayed}, coef);
                    for (NDArray p : masters.values()) {
                        Autograd.zeroGradient(p);
                    }
                }
            }
        }
    }

    private static List<ImageMeta> metas(int n) {
        List<ImageMeta> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ImageMeta(SIZE, SIZE, SIZE, SIZE, 1, 1, false, SIZE, SIZE));
        }
        return out;
    }

    private static NDArray images(NDManager m, List<Sample> batch) {
        float[] all = new float[batch.size() * 3 * SIZE * SIZE];
        for (int b = 0; b < batch.size(); b++) {
            System.arraycopy(batch.get(b).pixels(), 0, all, b * 3 * SIZE * SIZE, 3 * SIZE * SIZE);
        }
        return m.create(all, new Shape(batch.size(), 3, SIZE, SIZE));
    }

    /** One image with 1-3 shapes; pixels are already normalised ({@code [3, H, W]}, about zero mean, unit scale). */
    private static Sample sample(SplittableRandom rnd) {
        int count = 1 + rnd.nextInt(3);
        float[] pixels = new float[3 * SIZE * SIZE];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (rnd.nextDouble() * 0.6 - 0.3);
        }
        float[][] tint = {{1.2f, -0.4f, -0.4f}, {-0.4f, 1.2f, -0.4f}, {-0.4f, -0.4f, 1.2f}};
        int[] labels = new int[count];
        float[] boxes = new float[4 * count];
        byte[] masks = new byte[count * SIZE * SIZE];
        for (int k = 0; k < count; k++) {
            int label = rnd.nextInt(CLASSES);
            double w = 24 + rnd.nextDouble() * 40;
            double h = 24 + rnd.nextDouble() * 40;
            double x0 = rnd.nextDouble() * (SIZE - w);
            double y0 = rnd.nextDouble() * (SIZE - h);
            double[] poly = switch (label) {
                case 0 -> new double[] {x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h};
                case 1 -> ellipse(x0, y0, w, h);
                default -> new double[] {x0 + w / 2, y0, x0 + w, y0 + h, x0, y0 + h};
            };
            RleMask rle = MaskApi.frPoly(poly, SIZE, SIZE);
            byte[] colMajor = rle.decodeColumnMajor();
            float[] color = new float[3];
            for (int c = 0; c < 3; c++) {
                color[c] = tint[label][c] + (float) (rnd.nextDouble() * 0.6 - 0.3);
            }
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    if (colMajor[x * SIZE + y] != 0) {
                        masks[k * SIZE * SIZE + y * SIZE + x] = 1;
                        for (int c = 0; c < 3; c++) {
                            pixels[c * SIZE * SIZE + y * SIZE + x] = color[c];
                        }
                    }
                }
            }
            labels[k] = label;
            boxes[4 * k] = (float) x0;
            boxes[4 * k + 1] = (float) y0;
            boxes[4 * k + 2] = (float) (x0 + w);
            boxes[4 * k + 3] = (float) (y0 + h);
        }
        // Later shapes paint over earlier ones: remove the covered pixels from the earlier masks.
        for (int k = 0; k < count; k++) {
            for (int j = k + 1; j < count; j++) {
                for (int p = 0; p < SIZE * SIZE; p++) {
                    if (masks[j * SIZE * SIZE + p] != 0) {
                        masks[k * SIZE * SIZE + p] = 0;
                    }
                }
            }
        }
        return new Sample(pixels, new InstanceTargets(boxes, labels, masks, SIZE, SIZE));
    }

    private static double[] ellipse(double x0, double y0, double w, double h) {
        int n = 32;
        double[] xy = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * i / n;
            xy[2 * i] = x0 + w / 2 + w / 2 * Math.cos(a);
            xy[2 * i + 1] = y0 + h / 2 + h / 2 * Math.sin(a);
        }
        return xy;
    }

    /** The ground truth as a COCO instances file: RLE of the visible masks, the shapes' boxes. */
    private static String cocoJson(List<Sample> samples) {
        StringBuilder sb = new StringBuilder("{\"images\": [");
        for (int i = 0; i < samples.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append("{\"id\": ").append(i + 1).append(", \"width\": ").append(SIZE)
                    .append(", \"height\": ").append(SIZE).append(", \"file_name\": \"").append(i + 1).append(".png\"}");
        }
        sb.append("], \"categories\": [{\"id\": 1, \"name\": \"rectangle\"}, {\"id\": 2, \"name\": \"ellipse\"}, {\"id\": 3, \"name\": \"triangle\"}],");
        sb.append(" \"annotations\": [");
        int id = 1;
        for (int i = 0; i < samples.size(); i++) {
            InstanceTargets t = samples.get(i).targets();
            float[] boxes = t.boxes();
            byte[] masks = t.masks();
            for (int k = 0; k < t.size(); k++) {
                byte[] colMajor = new byte[SIZE * SIZE];
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        colMajor[x * SIZE + y] = masks[k * SIZE * SIZE + y * SIZE + x];
                    }
                }
                RleMask rle = RleMask.encodeColumnMajor(SIZE, SIZE, colMajor);
                sb.append(id == 1 ? "" : ", ").append("{\"id\": ").append(id++).append(", \"image_id\": ").append(i + 1)
                        .append(", \"category_id\": ").append(t.labels()[k] + 1).append(", \"iscrowd\": 0, \"area\": ").append(rle.area())
                        .append(", \"bbox\": [").append(boxes[4 * k]).append(", ").append(boxes[4 * k + 1]).append(", ")
                        .append(boxes[4 * k + 2] - boxes[4 * k]).append(", ").append(boxes[4 * k + 3] - boxes[4 * k + 1])
                        .append("], \"segmentation\": {\"size\": [").append(SIZE).append(", ").append(SIZE).append("], \"counts\": \"")
                        .append(rle.toCompressedString().replace("\\", "\\\\")).append("\"}}");
            }
        }
        return sb.append("]}").toString();
    }
}
