package dev.densepred.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Scope;

import org.junit.jupiter.api.Test;

import java.util.List;

/** Invariants of whole, slide and multi-view inference. */
class InferenceTest {

    private static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void slideEqualsWholeForAContextFreeNetwork() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray weight = m.randomNormal(new Shape(4, 3, 1, 1));
            // Per-pixel logits: any window gives every pixel the value the whole image gives it.
            java.util.function.UnaryOperator<NDArray> pointwise =
                    x -> Functional.conv2d(x, weight, null, 1, 1, 0, 0, 1, 1).tanh();
            for (int[] hw : new int[][] {{70, 150}, {33, 40}, {20, 100}}) {
                NDArray image = m.randomNormal(new Shape(2, 3, hw[0], hw[1]));
                NDArray slid = new SlidingWindow(new int[] {32, 48}, new int[] {21, 31}).apply(image, 4, pointwise);
                NDArray whole = pointwise.apply(image);
                assertEquals(whole.getShape(), slid.getShape());
                assertTrue(maxAbsDiff(whole, slid) < 1e-6f, "size " + hw[0] + "x" + hw[1]);
            }
            // Windows that differ (a constant per window) are averaged by coverage: 1-D, crop 4, stride 3 on 10.
            int[] counter = {0};
            NDArray ones = m.zeros(new Shape(1, 1, 1, 10));
            NDArray avg = new SlidingWindow(new int[] {1, 4}, new int[] {1, 3})
                    .apply(ones, 1, x -> x.add(++counter[0]));
            // windows start at 0, 3, 6 with values 1, 2, 3: pixel 3 is (1 + 2) / 2, pixel 6 is (2 + 3) / 2.
            assertArrayEquals(new float[] {1, 1, 1, 1.5f, 2, 2, 2.5f, 3, 3, 3}, avg.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void slideWithOneWindowEqualsWholeOnTheModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderDecoder net = EncoderDecoder.build(TinyUperNet.model(4, "{\"mode\": \"whole\"}"), m);
            net.train(false);
            NDArray image = m.randomNormal(new Shape(1, 3, 64, 96));
            ImageMeta meta = new ImageMeta(40, 60, 64, 96, 96 / 60.0, 64 / 40.0, false, 64, 96);
            try (Autograd.Recording r = Autograd.noGrad()) {
                NDArray whole = net.inferLogits(image, meta);
                assertEquals(new Shape(4, 40, 60), whole.getShape());
                net.setTestConfig(TestConfig.slide(128, 85));
                NDArray slide = net.inferLogits(image, meta);
                assertTrue(maxAbsDiff(whole, slide) < 1e-6f);
            }
            net.train(true);
            assertThrows(IllegalStateException.class, () -> net.inferLogits(image, meta));
        }
    }

    /** Makes every convolution kernel mirror-symmetric left to right, so the network commutes with flipping. */
    private static void symmetrize(EncoderDecoder net) {
        for (Parameter p : net.stateTensors().values()) {
            if (p.shape().dimension() == 4 && p.shape().get(3) > 1) {
                NDArray w = p.array();
                NDArray sym = w.add(w.flip(3)).div(2);
                sym.attach(w.getManager());
                p.replace(sym);
            }
        }
    }

    @Test
    void flippedViewIsUnflippedAndTestTimeAugmentationAverages() {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderDecoder net = EncoderDecoder.build(TinyUperNet.model(4, "{\"mode\": \"whole\"}"), m);
            symmetrize(net);
            net.train(false);
            // 65 x 97 stays odd at every stride-2 stage (33, 17, 9, 5 / 49, 25, 13, 7), so the strided
            // convolutions sample mirror-symmetric positions and the whole network commutes with the flip.
            NDArray image = m.randomNormal(new Shape(1, 3, 65, 97));
            NDArray flipped = image.flip(3);
            ImageMeta plain = new ImageMeta(50, 80, 65, 97, 97 / 80.0, 65 / 50.0, false, 65, 97);
            ImageMeta mirrored = new ImageMeta(50, 80, 65, 97, 97 / 80.0, 65 / 50.0, true, 65, 97);
            try (Autograd.Recording r = Autograd.noGrad(); Scope s = Scope.open(m)) {
                NDArray a = net.inferLogits(image, plain);
                NDArray b = net.inferLogits(flipped, mirrored);
                float scale = a.abs().max().getFloat();
                assertTrue(maxAbsDiff(a, b) < 1e-4f * scale, "un-flipped logits differ by " + maxAbsDiff(a, b));
                // Without un-flipping the two would not agree: the check above can fail.
                NDArray notUnflipped = net.inferLogits(flipped, plain);
                assertTrue(maxAbsDiff(a, notUnflipped) > 1e-2f * scale);

                NDArray single = net.predict(image, plain);
                assertEquals(DataType.INT32, single.getDataType());
                assertEquals(new Shape(50, 80), single.getShape());
                assertArrayEquals(single.toIntArray(), net.predictAug(List.of(image), List.of(plain)).toIntArray());
                NDArray aug = net.predictAug(List.of(image, flipped), List.of(plain, mirrored));
                long agree = aug.eq(single).sum().getLong();
                assertTrue(agree >= 50 * 80 - 2, "flip TTA of a flip-equivariant net keeps the labels, " + agree + " agree");
            }
        }
    }

    @Test
    void paddingIsCroppedBeforeResizing() {
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderDecoder net = EncoderDecoder.build(TinyUperNet.model(3, "{\"mode\": \"whole\"}"), m);
            net.train(false);
            try (Autograd.Recording r = Autograd.noGrad()) {
                NDArray padded = m.zeros(new Shape(1, 3, 64, 64));
                NDArray content = m.randomNormal(new Shape(1, 3, 48, 40));
                padded.set(new ai.djl.ndarray.index.NDIndex(":, :, 0:48, 0:40"), content);
                ImageMeta meta = new ImageMeta(48, 40, 48, 40, 1, 1, false, 64, 64);
                NDArray logits = net.inferLogits(padded, meta);
                assertEquals(new Shape(3, 48, 40), logits.getShape());
                // Content at its original size: no resize happens, so the logits are the padded map's top-left.
                NDArray full = net.encodeDecode(padded).squeeze(0);
                assertTrue(maxAbsDiff(logits, full.get(":, 0:48, 0:40")) < 1e-6f);
            }
        }
    }
}
