package dev.densepred.detection.roi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.testing.Golden;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.runtime.Autograd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link MultiLevelRoiExtractor} against {@code ops/multiscale_roi.safetensors}: levels {@code p2, p3, ...} at the
 * file's {@code strides}, RoIs {@code rois}, expected levels {@code levels} (torchvision's mapping, equal to
 * mmdetection's finest_scale-56 mapping for these boxes, as the README shows) and one output per tensor named
 * {@code out} (torchvision's {@code MultiScaleRoIAlign}: sampling 2, not aligned) or
 * {@code out_aligned_s<ratio>}. Tolerance as in {@link RoiAlignTest}.
 */
class MultiLevelRoiExtractorTest {

    private static final Pattern CASE = Pattern.compile("out(_aligned_s(\\d+))?");

    private static NDManager manager;
    private static Map<String, NDArray> golden;
    private static List<Integer> strides;

    @BeforeAll
    static void load() throws IOException {
        manager = NDManager.newBaseManager();
        try (SafeTensorsReader r = SafeTensorsReader.open(Golden.ops("multiscale_roi.safetensors"))) {
            golden = r.loadAll(manager);
            strides = Arrays.stream(r.metadata().get("strides").split(",")).map(s -> Integer.parseInt(s.trim())).toList();
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static List<String> cases() {
        return Golden.tensorNames("multiscale_roi.safetensors", CASE);
    }

    private static List<NDArray> levels() {
        List<NDArray> out = new ArrayList<>();
        for (int l = 0; l < strides.size(); l++) {
            out.add(golden.get("p" + (l + 2)));
        }
        return out;
    }

    private static MultiLevelRoiExtractor extractor(String name) {
        Matcher m = CASE.matcher(name);
        assertTrue(m.matches(), name);
        RoiAlign.Config layer = m.group(1) == null ? new RoiAlign.Config(7, 2, false) : new RoiAlign.Config(7, Integer.parseInt(m.group(2)), true);
        int channels = (int) golden.get("p2").getShape().get(1);
        return new MultiLevelRoiExtractor(new MultiLevelRoiExtractor.Config(layer, channels, strides, 56));
    }

    @Test
    void levelsMatchTheReference() {
        try (NDManager m = manager.newSubManager()) {
            NDArray levels = extractor("out").mapRoiLevels(golden.get("rois"));
            assertArrayEquals(golden.get("levels").toLongArray(), levels.toLongArray());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void outputsMatchTheReferenceInInputOrder(String name) {
        try (NDManager m = manager.newSubManager()) {
            List<NDArray> feats = new ArrayList<>();
            for (NDArray f : levels()) {
                NDArray c = f.duplicate();
                c.attach(m);
                feats.add(c);
            }
            NDArray out = extractor(name).forward(feats, golden.get("rois"));
            assertEquals(golden.get(name).getShape(), out.getShape(), name + " shape");
            Golden.assertClose(name, golden.get(name).toFloatArray(), out.toFloatArray(), 1e-5, 1e-5);
        }
    }

    @Test
    void gradientsReachEachLevelAsFromThatLevelAlone() {
        // The stacked product's backward must route each RoI's gradient to its own level: compare with single-level
        // RoiAlign (golden-tested) on the RoIs of each level.
        try (NDManager m = manager.newSubManager()) {
            MultiLevelRoiExtractor extractor = extractor("out_aligned_s0");
            NDArray rois = golden.get("rois");
            long[] levels = extractor.mapRoiLevels(rois).toLongArray();
            NDArray upstream = m.randomNormal(golden.get("out_aligned_s0").getShape());
            List<NDArray> leaves = new ArrayList<>();
            for (NDArray f : levels()) {
                NDArray leaf = f.duplicate();
                leaf.attach(m);
                leaf.setRequiresGradient(true);
                leaves.add(leaf);
            }
            try (Autograd.Recording r = Autograd.record()) {
                Autograd.backward(extractor.forward(leaves, rois).mul(upstream).sum());
            }
            RoiAlign single = new RoiAlign(extractor.config().roiLayer());
            for (int l = 0; l < leaves.size(); l++) {
                List<Long> picked = new ArrayList<>();
                for (int i = 0; i < levels.length; i++) {
                    if (levels[i] == l) {
                        picked.add((long) i);
                    }
                }
                NDArray leaf = golden.get("p" + (l + 2)).duplicate();
                leaf.attach(m);
                leaf.setRequiresGradient(true);
                NDArray index = m.create(picked.stream().mapToLong(Long::longValue).toArray());
                try (Autograd.Recording r = Autograd.record()) {
                    Autograd.backward(single.forward(leaf, rois.get(index), 1.0 / strides.get(l)).mul(upstream.get(index)).sum());
                }
                Golden.assertClose("gradient of level " + l, leaf.getGradient().toFloatArray(), leaves.get(l).getGradient().toFloatArray(), 1e-5, 1e-5);
            }
        }
    }

    @Test
    void mappingFollowsFinestScale() {
        try (NDManager m = manager.newSubManager()) {
            // sqrt(area): 10 -> 0, 111.9 -> 0, 112 -> 1, 224 -> 2, 448 -> 3, 2000 -> 3 (clamped)
            float[] sizes = {10f, 111.9f, 112f, 224f, 448f, 2000f};
            float[] rois = new float[5 * sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                rois[5 * i + 3] = sizes[i];
                rois[5 * i + 4] = sizes[i];
            }
            long[] levels = extractor("out").mapRoiLevels(m.create(rois, new Shape(sizes.length, 5))).toLongArray();
            assertArrayEquals(new long[] {0, 0, 1, 2, 3, 3}, levels);
        }
    }

    @Test
    void wrongChannelCountIsRefused() {
        try (NDManager m = manager.newSubManager()) {
            MultiLevelRoiExtractor e = new MultiLevelRoiExtractor(MultiLevelRoiExtractor.Config.defaults());
            List<NDArray> feats = List.of(m.zeros(new Shape(1, 8, 8, 8)), m.zeros(new Shape(1, 8, 4, 4)), m.zeros(new Shape(1, 8, 2, 2)),
                    m.zeros(new Shape(1, 8, 1, 1)));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.forward(feats, m.zeros(new Shape(1, 5))));
            assertTrue(ex.getMessage().contains("features[0]") && ex.getMessage().contains("256"), ex.getMessage());
        }
    }
}
