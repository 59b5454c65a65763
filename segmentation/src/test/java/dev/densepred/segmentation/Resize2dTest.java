package dev.densepred.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.runtime.Autograd;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** {@link Resize2d} against F.interpolate(bilinear, antialias=False) values computed by numpy (resources/resize). */
class Resize2dTest {

    @Test
    void matchesNumpyReferenceOfTorchBilinear() throws IOException {
        JsonObject root;
        try (InputStream in = Resize2dTest.class.getResourceAsStream("/resize/resize_cases.json")) {
            root = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            int k = 0;
            for (var e : root.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                long[] shape = longs(c.getAsJsonArray("shape"));
                long[] out = longs(c.getAsJsonArray("out"));
                boolean align = c.get("align_corners").getAsBoolean();
                NDArray x = m.create(floats(c.getAsJsonArray("input")), new Shape(shape));
                float[] got = Resize2d.resize(x, out[0], out[1], align).toFloatArray();
                float[] want = floats(c.getAsJsonArray("expected"));
                assertEquals(want.length, got.length, "case " + k + " size");
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 2e-6, "case " + k + " element " + i);
                }
                k++;
            }
            assertTrue(k >= 5);
        }
    }

    @Test
    void equalsNativeBilinearWhenUpsamplingAndDiffersFromItsAntialiasWhenDownsampling() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 3, 6, 5));
            // DJL's native kernel agrees on upsampling, where antialiasing does nothing.
            NDArray up = Resize2d.resize(x, 13, 11, false);
            NDArray upNative = Functional.interpolate(x, 13, 11, Functional.Resize.BILINEAR, false);
            assertTrue(up.sub(upNative).abs().max().getFloat() < 1e-5f);
            // Downsampling by 3 with the native (antialiased) kernel is a different operator.
            NDArray big = m.randomNormal(new Shape(1, 1, 12, 12));
            NDArray down = Resize2d.resize(big, 4, 4, false);
            NDArray downNative = Functional.interpolate(big, 4, 4, Functional.Resize.BILINEAR, false);
            assertTrue(down.sub(downNative).abs().max().getFloat() > 1e-3f);
        }
    }

    @Test
    void keepsDtypeAndPassesGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 1, 3, 4));
            x.setRequiresGradient(true);
            try (Autograd.Recording r = Autograd.record()) {
                NDArray y = Resize2d.resize(x, 6, 8, false);
                Autograd.backward(y.sum());
            }
            // Each input pixel's weights over the outputs sum to (6/3)*(8/4) = 4 when upsampling by 2 (partition of unity).
            float[] g = x.getGradient().toFloatArray();
            for (float v : g) {
                assertEquals(4f, v, 1e-5f);
            }
            NDArray h = m.randomNormal(new Shape(1, 2, 5, 5)).toType(DataType.FLOAT16, false);
            assertEquals(DataType.FLOAT16, Resize2d.resize(h, 3, 7, false).getDataType());
        }
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }
}
