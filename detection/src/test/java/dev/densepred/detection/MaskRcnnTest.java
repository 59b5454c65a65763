package dev.densepred.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Losses;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

/** End-to-end checks of {@link MaskRcnn} on a tiny configuration. */
class MaskRcnnTest {

    private static NDManager manager;
    private static MaskRcnn model;

    @BeforeAll
    static void build() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(3);
        model = MaskRcnn.build(TinyMaskRcnn.model(3, ""), manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static InstanceTargets square(int h, int w, int x0, int y0, int x1, int y1, int label) {
        byte[] mask = new byte[h * w];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                mask[y * w + x] = 1;
            }
        }
        return new InstanceTargets(new float[] {x0, y0, x1, y1}, new int[] {label}, mask, h, w);
    }

    @Test
    void trainStepGivesMmdetectionsLossDictAndGradients() {
        try (Scope scope = Scope.open(manager); Autograd.Recording r = Autograd.record()) {
            NDManager m = scope.manager();
            NDArray images = m.randomNormal(0f, 1f, new Shape(2, 3, 64, 96), DataType.FLOAT32);
            List<ImageMeta> metas = List.of(new ImageMeta(60, 90, 60, 90, 1, 1, false, 64, 96),
                    new ImageMeta(40, 96, 40, 96, 1, 1, false, 64, 96));
            List<InstanceTargets> targets = List.of(square(60, 90, 10, 12, 40, 50, 2), square(40, 96, 50, 5, 90, 35, 0));
            Losses losses = model.forwardTrain(images, metas, targets);
            assertEquals(List.of("loss_rpn_cls", "loss_rpn_bbox", "loss_cls", "acc", "loss_bbox", "loss_mask"),
                    List.copyOf(losses.values().keySet()));
            for (var e : losses.values().entrySet()) {
                float v = e.getValue().getFloat();
                assertTrue(Float.isFinite(v) && v >= 0, e.getKey() + " = " + v);
                assertEquals(DataType.FLOAT32, e.getValue().getDataType(), e.getKey());
            }
            // fc_cls starts at Normal(0, 0.01): the untrained 4-way softmax is near uniform, CE near log(4).
            assertEquals(Math.log(4), losses.values().get("loss_cls").getFloat(), 0.15);
            Autograd.backward(losses.total());
            for (String name : List.of("neck.fpn_convs.0.conv.weight", "rpn_head.rpn_cls.weight", "roi_head.bbox_head.fc_reg.weight",
                    "roi_head.mask_head.conv_logits.weight", "backbone.stem.conv1.weight")) {
                NDArray g = model.parameters().get(name).array().getGradient();
                assertTrue(g.abs().sum().getFloat() > 0, name + " has no gradient");
            }
        }
    }

    @Test
    void predictGivesDetectionsAtTheOriginalSize() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            NDArray images = m.randomNormal(0f, 1f, new Shape(1, 3, 64, 96), DataType.FLOAT32);
            List<ImageMeta> metas = List.of(new ImageMeta(30, 45, 60, 90, 2, 2, false, 64, 96));
            List<Detections> dets = model.predict(images, metas);
            assertEquals(1, dets.size());
            Detections d = dets.get(0);
            assertTrue(d.size() <= 100);
            assertEquals(d.size(), d.masks().size());
            float[] scores = d.scores();
            for (int i = 0; i < d.size(); i++) {
                assertTrue(scores[i] > 0.05f);
                assertTrue(i == 0 || scores[i] <= scores[i - 1]);
                assertEquals(30, d.masks().get(i).height());
                assertEquals(45, d.masks().get(i).width());
            }
        }
    }

    /** Every proposal filtered out (min_bbox_size larger than the image): no detections, no error. */
    @Test
    void predictWithoutProposalsGivesNoDetections() {
        try (NDManager own = NDManager.newBaseManager()) {
            MaskRcnn filtered = MaskRcnn.build(TinyMaskRcnn.model(3,
                    "\"test_cfg\": {\"rpn\": {\"min_bbox_size\": 10000}}"), own);
            NDArray images = own.randomNormal(0f, 1f, new Shape(1, 3, 64, 96), DataType.FLOAT32);
            List<ImageMeta> metas = List.of(new ImageMeta(30, 45, 60, 90, 2, 2, false, 64, 96));
            List<Detections> dets = filtered.predict(images, metas);
            assertEquals(1, dets.size());
            assertEquals(0, dets.get(0).size());
            assertEquals(0, dets.get(0).masks().size());
        }
    }
}
