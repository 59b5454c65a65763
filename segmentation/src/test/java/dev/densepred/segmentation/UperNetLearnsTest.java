package dev.densepred.segmentation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.optim.AdamW;
import dev.densepred.engine.train.optim.ParamGroup;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Evidence that UperNet learns: a tiny EncoderDecoder trained with AdamW on synthetic 64x64 images (noisy grey
 * background, class 0; a red disc, class 1; a blue rectangle, class 2; positions and sizes random) must segment
 * held-out images of the same kind with an mIoU (by {@link IouMetric}) above a bar set from a real run.
 */
class UperNetLearnsTest {

    private static final int SIZE = 64;
    private static final int CLASSES = 3;
    private static final float[][] COLOURS = {{0.5f, 0.5f, 0.5f}, {0.9f, 0.2f, 0.2f}, {0.2f, 0.3f, 0.9f}};

    /** One synthetic image (normalised CHW floats) and its labels, from {@code rng}. */
    record Sample(float[] image, int[] labels) {}

    static Sample sample(Random rng) {
        float[] img = new float[3 * SIZE * SIZE];
        int[] lab = new int[SIZE * SIZE];
        double cx = 14 + rng.nextInt(36);
        double cy = 14 + rng.nextInt(36);
        double r = 9 + rng.nextInt(6);
        int rx = rng.nextInt(36);
        int ry = rng.nextInt(36);
        int rw = 14 + rng.nextInt(14);
        int rh = 14 + rng.nextInt(14);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int cls = 0;
                if (x >= rx && x < rx + rw && y >= ry && y < ry + rh) {
                    cls = 2;
                }
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                    cls = 1;
                }
                float[] rgb = COLOURS[cls];
                for (int c = 0; c < 3; c++) {
                    float v = rgb[c] + 0.15f * (float) rng.nextGaussian();
                    img[c * SIZE * SIZE + y * SIZE + x] = (v - 0.5f) / 0.25f;
                }
                lab[y * SIZE + x] = cls;
            }
        }
        return new Sample(img, lab);
    }

    @Test
    void learnsColouredRegions() {
        IouMetric metric = trainAndEvaluate(TinyUperNet.model(CLASSES, "{\"mode\": \"whole\"}"), 4e-3, 150, 4);
        double miou = metric.mIoU();
        System.out.printf("UperNetLearnsTest: held-out mIoU %.4f%n%s", miou, metric.table());
        // Measured: 0.4685 (background 93.9, disc 46.7, rectangle 0.0 IoU) in 150 iterations; predicting background
        // everywhere scores about 0.31, so the bar needs the foreground learnt.
        assertTrue(miou > 0.40, "held-out mIoU " + miou + " <= 0.40");
    }

    /** Trains from scratch with AdamW at a constant rate and scores 16 held-out images. */
    static IouMetric trainAndEvaluate(dev.densepred.engine.config.Config model, double lr, int iterations, int batch) {
        Engine.getInstance().setRandomSeed(0);
        Random rng = new Random(0);
        try (NDManager root = NDManager.newBaseManager()) {
            EncoderDecoder net = EncoderDecoder.build(model, root);
            Map<String, NDArray> masters = new LinkedHashMap<>();
            List<Parameter> params = new ArrayList<>();
            net.parameters().forEach((name, p) -> {
                if (p.trainable()) {
                    masters.put(name, p.array());
                    params.add(p);
                }
            });
            AdamW adamw = new AdamW(new AdamW.Config(lr, new double[] {0.9, 0.999}, 1e-8, 0.01),
                    List.of(new ParamGroup("all", lr, 0.01, List.copyOf(masters.keySet()))), masters, root);
            net.train(true);
            for (int it = 0; it < iterations; it++) {
                try (Scope scope = Scope.open(root)) {
                    float[] images = new float[batch * 3 * SIZE * SIZE];
                    int[] labels = new int[batch * SIZE * SIZE];
                    for (int b = 0; b < batch; b++) {
                        Sample s = sample(rng);
                        System.arraycopy(s.image(), 0, images, b * s.image().length, s.image().length);
                        System.arraycopy(s.labels(), 0, labels, b * s.labels().length, s.labels().length);
                    }
                    NDManager m = scope.manager();
                    NDArray x = m.create(images, new Shape(batch, 3, SIZE, SIZE));
                    NDArray y = m.create(labels, new Shape(batch, SIZE, SIZE));
                    try (Autograd.Recording r = Autograd.record()) {
                        Losses losses = net.forwardTrain(x, y);
                        Autograd.backward(losses.total());
                    }
                    List<NDArray> grads = new ArrayList<>();
                    for (Parameter p : params) {
                        NDArray g = p.array().getGradient();
                        g.attach(m);
                        grads.add(g);
                    }
                    adamw.step(grads, new double[] {lr}, 1.0);
                    for (Parameter p : params) {
                        Autograd.zeroGradient(p.array());
                    }
                }
            }
            net.train(false);
            IouMetric metric = new IouMetric(List.of("background", "disc", "rectangle"));
            Random heldOut = new Random(12345);
            try (Autograd.Recording r = Autograd.noGrad()) {
                for (int i = 0; i < 16; i++) {
                    try (Scope scope = Scope.open(root)) {
                        Sample s = sample(heldOut);
                        NDArray x = scope.manager().create(s.image(), new Shape(1, 3, SIZE, SIZE));
                        ImageMeta meta = new ImageMeta(SIZE, SIZE, SIZE, SIZE, 1, 1, false, SIZE, SIZE);
                        metric.add(net.predict(x, meta).toIntArray(), s.labels());
                    }
                }
            }
            return metric;
        }
    }
}
