package dev.densepred.detection.roi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

class Shared2FcBoxHeadTest {

    /** An image without proposals (all filtered out) gives empty outputs, not a reshape error. */
    @Test
    void noRoisGiveEmptyOutputs() {
        Shared2FcBoxHead head = new Shared2FcBoxHead(Shared2FcBoxHead.Config.defaults());
        try (NDManager m = NDManager.newBaseManager()) {
            head.initialize(m);
            Shared2FcBoxHead.Output out = head.forward(m.zeros(new Shape(0, 256, 7, 7)));
            assertEquals(new Shape(0, 81), out.clsScores().getShape());
            assertEquals(new Shape(0, 320), out.bboxPreds().getShape());
            Shared2FcBoxHead.Output one = head.forward(m.zeros(new Shape(3, 256, 7, 7)));
            assertEquals(new Shape(3, 81), one.clsScores().getShape());
        }
    }
}
