package dev.densepred.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The loss map: order, which entries are summed (mmdetection's parse_losses rule), promotion and refusals. */
class LossesTest {

    @Test
    void sumsOnlyLossEntriesKeepsOrderAndPromotesHalfScalars() {
        try (NDManager m = NDManager.newBaseManager()) {
            Losses head = new Losses().add("loss_bbox", m.create(new float[] {0.25f}, new Shape(1)));
            Losses l = new Losses()
                    .add("loss_cls", m.create(0.5f).toType(DataType.FLOAT16, false))
                    .add("acc", m.create(90f))
                    .addAll(head);
            assertEquals(List.of("loss_cls", "acc", "loss_bbox"), List.copyOf(l.values().keySet()));
            assertEquals(DataType.FLOAT32, l.values().get("loss_cls").getDataType());
            assertEquals(new Shape(), l.values().get("loss_bbox").getShape());
            assertEquals(0.75f, l.total().getFloat(), 1e-6);
        }
    }

    @Test
    void refusesWhatCannotBeALoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            Losses l = new Losses().add("loss_a", m.create(1f));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> l.add("loss_a", m.create(1f))).getMessage().contains("twice"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> l.add("loss_b", m.ones(new Shape(2)))).getMessage().contains("(2)"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> l.add("loss_c", m.create(1.0))).getMessage().contains("float64"));
            assertTrue(assertThrows(IllegalStateException.class, () -> new Losses().add("acc", m.create(1f)).total()).getMessage().contains("acc"));
        }
    }
}
