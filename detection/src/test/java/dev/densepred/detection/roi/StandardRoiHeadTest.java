package dev.densepred.detection.roi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.InstanceTargets;
import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.detection.box.MaxIouAssigner;
import dev.densepred.detection.box.RandomSampler;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.train.Losses;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@link StandardRoiHead} losses on a case worked out by hand: output layers zeroed, so every RoI has uniform class
 * scores, zero deltas and zero mask logits, and every proposal is sampled (the budget exceeds them).
 */
class StandardRoiHeadTest {

    private static final int CLASSES = 2;

    @Test
    void lossesAverageAsMmdetection() {
        try (NDManager m = NDManager.newBaseManager()) {
            MultiLevelRoiExtractor.Config box = new MultiLevelRoiExtractor.Config(new RoiAlign.Config(7, 0, true), 4, List.of(4, 8, 16, 32), 56);
            MultiLevelRoiExtractor.Config mask = new MultiLevelRoiExtractor.Config(new RoiAlign.Config(14, 0, true), 4, List.of(4, 8, 16, 32), 56);
            DeltaXywhCoder.Config coder = new DeltaXywhCoder.Config(List.of(0.0, 0.0, 0.0, 0.0), List.of(0.1, 0.1, 0.2, 0.2), true, 0.016);
            StandardRoiHead head = new StandardRoiHead(new StandardRoiHead.Config(box, new Shared2FcBoxHead.Config(4, 8, 7, CLASSES, coder, 1, 1),
                    mask, new FcnMaskHead.Config(1, 4, 4, CLASSES, 14, 1)));
            head.initialize(m);
            Map<String, Parameter> p = head.stateTensors();
            for (String name : List.of("bbox_head.fc_cls.weight", "bbox_head.fc_cls.bias", "bbox_head.fc_reg.weight", "bbox_head.fc_reg.bias",
                    "mask_head.conv_logits.weight", "mask_head.conv_logits.bias")) {
                p.get(name).replace(m.zeros(p.get(name).shape()));
            }
            List<NDArray> features = new ArrayList<>();
            for (int l = 0; l < 4; l++) {
                int s = 64 >> (2 + l);
                features.add(m.randomNormal(0f, 1f, new Shape(2, 4, s, s), DataType.FLOAT32));
            }
            float[] gt = {10, 10, 40, 30};
            byte[] bitmap = new byte[64 * 64];
            for (int y = 10; y < 30; y++) {
                for (int x = 10; x < 40; x++) {
                    bitmap[y * 64 + x] = 1;
                }
            }
            List<InstanceTargets> targets = List.of(new InstanceTargets(gt, new int[] {0}, bitmap, 64, 64),
                    new InstanceTargets(new float[0], new int[0], new byte[0], 64, 64));
            // Image 0: one proposal overlapping the gt at IoU 0.75 (positive), two below 0.5; image 1: no gt at all.
            float[] near = {12, 10, 40, 30};
            float[] props0 = {12, 10, 40, 30, 30, 20, 60, 60, 0, 40, 20, 60};
            float[] props1 = {5, 5, 30, 30, 20, 20, 50, 60};
            List<NDArray> proposals = List.of(m.create(props0, new Shape(3, 4)), m.create(props1, new Shape(2, 4)));
            List<NDArray> gtBoxes = List.of(m.create(gt, new Shape(1, 4)), m.zeros(new Shape(0, 4)));
            StandardRoiHead.TrainConfig train = new StandardRoiHead.TrainConfig(new MaxIouAssigner.Config(0.5, 0.5, 0, 0.5, true, -1, true, true),
                    new RandomSampler.Config(512, 0.25, -1, true), 28, -1);
            Losses losses = head.loss(features, proposals, gtBoxes, targets, train, new SplittableRandom(1));

            int rois = 1 + 3 + 2; // the gt added as a proposal, then every proposal
            assertEquals(Math.log(CLASSES + 1), losses.values().get("loss_cls").getFloat(), 1e-6, "uniform scores over 3 classes");
            // Positives: the gt itself (zero target) and the near proposal; L1 of their targets over all sampled RoIs.
            // dx = (gx - px) / pw / 0.1, dy = 0 (same rows), dw = log(gw / pw) / 0.2, dh = 0 (same height)
            double[] t = {((gt[0] + gt[2]) / 2 - (near[0] + near[2]) / 2) / (near[2] - near[0]) / 0.1, 0,
                    Math.log((gt[2] - gt[0]) / (near[2] - near[0])) / 0.2, 0};
            double l1 = Math.abs(t[0]) + Math.abs(t[1]) + Math.abs(t[2]) + Math.abs(t[3]);
            assertEquals(l1 / rois, losses.values().get("loss_bbox").getFloat(), 1e-5);
            assertEquals(Math.log(2), losses.values().get("loss_mask").getFloat(), 1e-6, "zero logits against 0/1 targets");
            // Equal scores: argmax is class 0, right for the two positives only.
            assertEquals(100.0 * 2 / rois, losses.values().get("acc").getFloat(), 1e-4);
        }
    }
}
