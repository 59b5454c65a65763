package dev.densepred.detection.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import dev.densepred.detection.testing.Golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@link DeltaXywhCoder} against {@code ops/box_coder.json}, every convention in the file.
 *
 * <ul>
 *   <li>encode: torchvision multiplies by 1/std where mmdetection divides by std, and centres differ in rounding
 *       ({@code x1 + 0.5 w} vs {@code (x1 + x2) * 0.5}): rtol 1e-5 + atol 1e-5.
 *   <li>decode: {@code boxes_symmetric_clip} is the float64 mmdetection formula, our float32 result may differ by
 *       a few float32 ulps of the coordinate: rtol 2e-6 + atol 1e-4 (coordinates reach 4,000). torchvision's
 *       one-sided clamp ({@code boxes}) gives the same boxes except on {@code rows_where_symmetric_clip_differs},
 *       where we must match the symmetric rows and differ from torchvision.
 *   <li>decode of encode returns the ground truth to within the same tolerance.
 * </ul>
 */
class DeltaXywhCoderTest {

    static Stream<Arguments> conventions() {
        List<Arguments> out = new ArrayList<>();
        for (JsonObject c : Golden.objects(Golden.json("box_coder.json").getAsJsonArray("conventions"))) {
            out.add(Arguments.of("stds " + c.get("stds"), c));
        }
        return out.stream();
    }

    private static DeltaXywhCoder coder(JsonObject c) {
        return new DeltaXywhCoder(new DeltaXywhCoder.Config(doubles(c.getAsJsonArray("means")), doubles(c.getAsJsonArray("stds")), true, 16.0 / 1000));
    }

    private static List<Double> doubles(JsonArray a) {
        List<Double> out = new ArrayList<>();
        for (JsonElement e : a) {
            out.add(e.getAsDouble());
        }
        return out;
    }

    private static NDArray matrix(NDManager m, JsonElement rows) {
        float[] flat = Golden.floats(rows);
        return m.create(flat, new Shape(Golden.rows(rows), flat.length / Golden.rows(rows)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conventions")
    void encodeMatches(String name, JsonObject c) {
        JsonObject e = c.getAsJsonObject("encode");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray deltas = coder(c).encode(matrix(m, e.get("proposals")), matrix(m, e.get("gt_boxes")));
            Golden.assertClose(name + " encode", Golden.floats(e.get("deltas")), deltas.toFloatArray(), 1e-5, 1e-5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conventions")
    void decodeClampsSymmetricallyAsMmdetection(String name, JsonObject c) {
        JsonObject d = c.getAsJsonObject("decode");
        Set<Integer> differs = new HashSet<>();
        for (JsonElement r : d.getAsJsonArray("rows_where_symmetric_clip_differs")) {
            differs.add(r.getAsInt());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] boxes = coder(c).decode(matrix(m, d.get("proposals")), matrix(m, d.get("deltas")), null).toFloatArray();
            Golden.assertClose(name + " decode vs boxes_symmetric_clip", Golden.floats(d.get("boxes_symmetric_clip")), boxes, 1e-4, 2e-6);
            float[] torchvision = Golden.floats(d.get("boxes"));
            int rows = torchvision.length / 4;
            for (int r = 0; r < rows; r++) {
                float[] ours = java.util.Arrays.copyOfRange(boxes, 4 * r, 4 * r + 4);
                float[] theirs = java.util.Arrays.copyOfRange(torchvision, 4 * r, 4 * r + 4);
                if (differs.contains(r)) {
                    double gap = 0;
                    for (int k = 0; k < 4; k++) {
                        gap = Math.max(gap, Math.abs(ours[k] - theirs[k]));
                    }
                    assertTrue(gap > 1e-2, name + " row " + r + ": the one-sided torchvision clamp should differ, gap " + gap);
                } else {
                    Golden.assertClose(name + " decode vs torchvision row " + r, theirs, ours, 1e-4, 2e-6);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conventions")
    void decodeOfEncodeReturnsTheGroundTruth(String name, JsonObject c) {
        JsonObject e = c.getAsJsonObject("encode");
        try (NDManager m = NDManager.newBaseManager()) {
            DeltaXywhCoder coder = coder(c);
            NDArray proposals = matrix(m, e.get("proposals"));
            NDArray gt = matrix(m, e.get("gt_boxes"));
            float[] back = coder.decode(proposals, coder.encode(proposals, gt), null).toFloatArray();
            Golden.assertClose(name + " decode(encode(gt))", Golden.floats(e.get("gt_boxes")), back, 1e-4, 2e-6);
            Golden.assertClose(name + " decode_of_encoded", Golden.floats(c.getAsJsonObject("decode_of_encoded").get("boxes")), back, 1e-4, 2e-6);
        }
    }

    @Test
    void decodeClipsToTheImageAndHandlesPerClassDeltas() {
        try (NDManager m = NDManager.newBaseManager()) {
            DeltaXywhCoder coder = new DeltaXywhCoder(DeltaXywhCoder.Config.defaults());
            NDArray rois = m.create(new float[] {10, 10, 30, 50}, new Shape(1, 4));
            // class 0: no change; class 1: shift right by one width and double the size
            NDArray deltas = m.create(new float[] {0, 0, 0, 0, 1, 0, (float) Math.log(2), 0}, new Shape(1, 8));
            float[] raw = coder.decode(rois, deltas, null).toFloatArray();
            assertArrayEquals(new float[] {10, 10, 30, 50, 20, 10, 60, 50}, raw, 1e-5f);
            float[] clipped = coder.decode(rois, deltas, new ImageSize(40, 45)).toFloatArray();
            assertArrayEquals(new float[] {10, 10, 30, 40, 20, 10, 45, 40}, clipped, 1e-5f);
            assertEquals(new Shape(0, 8), coder.decode(m.zeros(new Shape(0, 4)), m.zeros(new Shape(0, 8)), null).getShape());
        }
    }

    @Test
    void badDeltasAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            DeltaXywhCoder coder = new DeltaXywhCoder(DeltaXywhCoder.Config.defaults());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> coder.decode(m.zeros(new Shape(2, 4)), m.zeros(new Shape(2, 6)), null));
            assertTrue(e.getMessage().contains("deltas") && e.getMessage().contains("(2, 6)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> coder.encode(m.zeros(new Shape(2, 4)), m.zeros(new Shape(3, 4))));
        }
    }
}
