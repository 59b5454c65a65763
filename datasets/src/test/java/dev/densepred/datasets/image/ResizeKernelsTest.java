package dev.densepred.datasets.image;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.densepred.datasets.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BilinearResize} and {@link NearestResize} against hand-computed values and cv2 4.6 golden outputs. */
class ResizeKernelsTest {

    /** cv2's float path may fuse multiply-adds; results agree to a few float ulps at 255. */
    private static final float TOL = 1e-4f;

    @Test
    void upscaleByTwoUsesHalfPixelCentresAndReplicatesEdges() {
        // Source [0, 100], 2 -> 4: centres map to -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        GrayF32 src = new GrayF32(2, 1);
        src.data[0] = 0;
        src.data[1] = 100;
        GrayF32 dst = new GrayF32(4, 1);
        BilinearResize.resize(src, dst);
        assertArrayEquals(new float[] {0, 25, 75, 100}, dst.data);
    }

    @Test
    void downscaleByThreeSamplesTheMiddlePixel() {
        // 6 -> 2: centres map to (0.5 * 3 - 0.5) = 1 and 4 exactly: pixels 1 and 4, no blending.
        GrayF32 src = new GrayF32(6, 1);
        for (int i = 0; i < 6; i++) {
            src.data[i] = 10 * i;
        }
        GrayF32 dst = new GrayF32(2, 1);
        BilinearResize.resize(src, dst);
        assertArrayEquals(new float[] {10, 40}, dst.data);
    }

    @Test
    void bilinearMatchesCv2Float32() {
        List<Executable> checks = new ArrayList<>();
        for (Case c : cases()) {
            int dw = c.dw();
            int dh = c.dh();
            Planar<GrayF32> out = BilinearResize.resize(pattern(c.sw(), c.sh()), dw, dh);
            JsonArray expected = c.json().getAsJsonArray("linear_float32_hwc");
            String name = c.toString();
            checks.add(() -> {
                for (int y = 0; y < dh; y++) {
                    for (int x = 0; x < dw; x++) {
                        for (int b = 0; b < 3; b++) {
                            float want = expected.get((y * dw + x) * 3 + b).getAsFloat();
                            float got = out.getBand(b).get(x, y);
                            assertEquals(want, got, TOL, name + " at x=" + x + " y=" + y + " band " + b);
                        }
                    }
                }
            });
        }
        assertTrue(checks.size() >= 5);
        assertAll(checks);
    }

    @Test
    void nearestMatchesCv2Exactly() {
        List<Executable> checks = new ArrayList<>();
        for (Case c : cases()) {
            int dw = c.dw();
            int dh = c.dh();
            GrayU8 src = new GrayU8(c.sw(), c.sh());
            for (int y = 0; y < c.sh(); y++) {
                for (int x = 0; x < c.sw(); x++) {
                    src.set(x, y, Golden.pattern(x, y, 0));
                }
            }
            GrayU8 out = NearestResize.resize(src, dw, dh);
            JsonArray expected = c.json().getAsJsonArray("nearest_band0");
            int[] want = new int[dw * dh];
            int[] got = new int[dw * dh];
            for (int i = 0; i < want.length; i++) {
                want[i] = expected.get(i).getAsInt();
                got[i] = out.get(i % dw, i / dw);
            }
            checks.add(() -> assertArrayEquals(want, got, c.toString()));
        }
        assertAll(checks);
    }

    @Test
    void resizeReadsSubImagesThroughTheirStride() {
        Planar<GrayF32> big = pattern(9, 7);
        Planar<GrayF32> sub = big.subimage(2, 1, 8, 6, null);
        Planar<GrayF32> compact = sub.clone();
        Planar<GrayF32> a = BilinearResize.resize(sub, 4, 11);
        Planar<GrayF32> b = BilinearResize.resize(compact, 4, 11);
        for (int band = 0; band < 3; band++) {
            assertArrayEquals(b.getBand(band).data, a.getBand(band).data, "band " + band);
        }
    }

    /** One golden resize case: source and destination sizes and cv2's outputs. */
    private record Case(int sw, int sh, int dw, int dh, JsonObject json) {
        @Override
        public String toString() {
            return sw + "x" + sh + "->" + dw + "x" + dh;
        }
    }

    private static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (JsonElement e : Golden.cv2().getAsJsonArray("resize")) {
            JsonObject c = e.getAsJsonObject();
            JsonArray src = c.getAsJsonArray("src");
            JsonArray dst = c.getAsJsonArray("dst");
            out.add(new Case(src.get(0).getAsInt(), src.get(1).getAsInt(), dst.get(0).getAsInt(), dst.get(1).getAsInt(), c));
        }
        return out;
    }

    static Planar<GrayF32> pattern(int w, int h) {
        Planar<GrayF32> img = new Planar<>(GrayF32.class, w, h, 3);
        for (int b = 0; b < 3; b++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.getBand(b).set(x, y, Golden.pattern(x, y, b));
                }
            }
        }
        return img;
    }
}
