package dev.densepred.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/** mmseg's CrossEntropyLoss and accuracy on hand-computed cases. */
class CrossEntropyLossTest {

    /** Two images of 1x2 pixels, 3 classes; labels {0, 255} and {2, 1}. */
    private static NDArray[] batch(NDManager m) {
        float[] logits = {
            // image 0: channel-major [3, 1, 2]
            2f, 0f, /* c1 */ 1f, 5f, /* c2 */ 0f, 1f,
            // image 1
            0f, 3f, /* c1 */ 0f, 1f, /* c2 */ 4f, 0f};
        NDArray x = m.create(logits, new Shape(2, 3, 1, 2));
        NDArray y = m.create(new int[] {0, 255, 2, 1}, new Shape(2, 1, 2));
        return new NDArray[] {x, y};
    }

    private static double nll(double[] z, int label) {
        double s = 0;
        for (double v : z) {
            s += Math.exp(v);
        }
        return Math.log(s) - z[label];
    }

    @Test
    void meanOverAllPixelsIncludingIgnoredByDefault() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] b = batch(m);
            double a = nll(new double[] {2, 1, 0}, 0);
            double c = nll(new double[] {0, 0, 4}, 2);
            double d = nll(new double[] {3, 1, 0}, 1);
            CrossEntropyLoss loss = new CrossEntropyLoss(CrossEntropyLoss.Config.defaults());
            // F.cross_entropy(reduction='none') gives the ignored pixel 0; the mean divides by all 4 pixels.
            assertEquals((a + c + d) / 4, loss.forward(b[0], b[1], 255).getFloat(), 1e-6);
            CrossEntropyLoss nonIgnore = new CrossEntropyLoss(new CrossEntropyLoss.Config("CrossEntropyLoss", false, 0.4, true, "loss_ce"));
            assertEquals(0.4 * (a + c + d) / (3 + Math.ulp(1f)), nonIgnore.forward(b[0], b[1], 255).getFloat(), 1e-6);
        }
    }

    @Test
    void accuracyIsPercentOfNonIgnoredPixels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] b = batch(m);
            // arg-max per pixel: (0, 1) for image 0, (2, 0) for image 1; labels 0, -, 2, 1 -> 2 of 3 correct.
            assertEquals(200.0 / 3, CrossEntropyLoss.accuracy(b[0], b[1], 255).getFloat(), 1e-4);
            NDArray allIgnored = m.full(new Shape(2, 1, 2), 255);
            assertEquals(0f, CrossEntropyLoss.accuracy(b[0], allIgnored, 255).getFloat());
            assertEquals(0f, new CrossEntropyLoss(CrossEntropyLoss.Config.defaults()).forward(b[0], allIgnored, 255).getFloat());
        }
    }
}
