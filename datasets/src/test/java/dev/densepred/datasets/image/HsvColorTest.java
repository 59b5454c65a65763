package dev.densepred.datasets.image;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.densepred.datasets.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link HsvColor} against hand-computed pixels and cv2 4.6 {@code cvtColor} on float32. */
class HsvColorTest {

    @Test
    void handComputedPixels() {
        // (R, G, B) -> (H degrees, S, V)
        float[][] cases = {
                {255, 0, 0, 0, 1, 255},
                {0, 255, 0, 120, 1, 255},
                {0, 0, 255, 240, 1, 255},
                {200, 100, 100, 0, 0.5f, 200},
                {100, 100, 200, 240, 0.5f, 200},
                {50, 50, 50, 0, 0, 50},
                {255, 0, 255, 300, 1, 255},
        };
        List<Executable> checks = new ArrayList<>();
        for (float[] c : cases) {
            Planar<GrayF32> img = pixels(c[0], c[1], c[2]);
            HsvColor.rgbToHsv(img);
            String name = "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")";
            checks.add(() -> assertEquals(c[3], img.getBand(0).data[0], 1e-3, name + " H"));
            checks.add(() -> assertEquals(c[4], img.getBand(1).data[0], 1e-5, name + " S"));
            checks.add(() -> assertEquals(c[5], img.getBand(2).data[0], 0, name + " V"));
        }
        assertAll(checks);
    }

    @Test
    void matchesCv2BothWaysAndRoundTrips() {
        JsonObject g = Golden.cv2().getAsJsonObject("hsv");
        List<Executable> checks = new ArrayList<>();
        compare(g.getAsJsonArray("rgb"), g.getAsJsonArray("hsv"), true, checks, "rgb->hsv");
        compare(g.getAsJsonArray("hsv_in"), g.getAsJsonArray("rgb_from_hsv_in"), false, checks, "hsv->rgb");
        compare(g.getAsJsonArray("hsv"), g.getAsJsonArray("rgb_round_trip"), false, checks, "round trip");
        JsonArray rgb = g.getAsJsonArray("rgb");
        Planar<GrayF32> img = fromTriples(rgb);
        HsvColor.rgbToHsv(img);
        HsvColor.hsvToRgb(img);
        for (int i = 0; i < rgb.size(); i++) {
            int p = i / 3;
            int b = i % 3;
            float want = rgb.get(i).getAsFloat();
            checks.add(() -> assertEquals(want, img.getBand(b).data[p], 1e-3, "our round trip, pixel " + p + " band " + b));
        }
        assertAll(checks);
    }

    private static void compare(JsonArray in, JsonArray out, boolean toHsv, List<Executable> checks, String what) {
        Planar<GrayF32> img = fromTriples(in);
        if (toHsv) {
            HsvColor.rgbToHsv(img);
        } else {
            HsvColor.hsvToRgb(img);
        }
        for (int i = 0; i < out.size(); i++) {
            int p = i / 3;
            int b = i % 3;
            float want = out.get(i).getAsFloat();
            float got = img.getBand(b).data[p];
            // Relative tolerance: cv2's SIMD path divides and multiplies in a different order.
            checks.add(() -> assertEquals(want, got, 2e-5 * Math.max(1, Math.abs(want)), what + ", pixel " + p + " band " + b));
        }
    }

    private static Planar<GrayF32> fromTriples(JsonArray values) {
        int n = values.size() / 3;
        Planar<GrayF32> img = new Planar<>(GrayF32.class, n, 1, 3);
        for (int i = 0; i < values.size(); i++) {
            img.getBand(i % 3).data[i / 3] = values.get(i).getAsFloat();
        }
        return img;
    }

    private static Planar<GrayF32> pixels(float r, float g, float b) {
        Planar<GrayF32> img = new Planar<>(GrayF32.class, 1, 1, 3);
        img.getBand(0).data[0] = r;
        img.getBand(1).data[0] = g;
        img.getBand(2).data[0] = b;
        return img;
    }
}
