package dev.densepred.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.train.Losses;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parameter names and shapes as mmseg's state dicts, output shapes, loss names, config errors. */
class UperNetStructureTest {

    /** mmseg's UPerHead/FCNHead state-dict keys for in_channels [8,16,24,32], channels 16 (aux 8), 5 classes. */
    private static Map<String, long[]> expectedHeadShapes() {
        Map<String, long[]> e = new LinkedHashMap<>();
        e.put("decode_head.conv_seg.weight", new long[] {5, 16, 1, 1});
        e.put("decode_head.conv_seg.bias", new long[] {5});
        for (int i = 0; i < 4; i++) {
            convModule(e, "decode_head.psp_modules." + i + ".1", 16, 32, 1);
        }
        convModule(e, "decode_head.bottleneck", 16, 32 + 4 * 16, 3);
        int[] in = {8, 16, 24};
        for (int i = 0; i < 3; i++) {
            convModule(e, "decode_head.lateral_convs." + i, 16, in[i], 1);
        }
        for (int i = 0; i < 3; i++) {
            convModule(e, "decode_head.fpn_convs." + i, 16, 16, 3);
        }
        convModule(e, "decode_head.fpn_bottleneck", 16, 4 * 16, 3);
        e.put("auxiliary_head.conv_seg.weight", new long[] {5, 8, 1, 1});
        e.put("auxiliary_head.conv_seg.bias", new long[] {5});
        convModule(e, "auxiliary_head.convs.0", 8, 24, 3);
        return e;
    }

    private static void convModule(Map<String, long[]> e, String prefix, long out, long in, long k) {
        e.put(prefix + ".conv.weight", new long[] {out, in, k, k});
        for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
            e.put(prefix + ".bn." + s, new long[] {out});
        }
        e.put(prefix + ".bn.num_batches_tracked", new long[] {});
    }

    @Test
    void headParametersAreMmsegStateDictKeys() {
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderDecoder net = EncoderDecoder.build(TinyUperNet.model(5, "{\"mode\": \"whole\"}"), m);
            Map<String, long[]> expected = expectedHeadShapes();
            Map<String, Parameter> heads = new LinkedHashMap<>();
            net.stateTensors().forEach((k, v) -> {
                if (!k.startsWith("backbone.")) {
                    heads.put(k, v);
                }
            });
            assertEquals(new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(heads.keySet()));
            for (Map.Entry<String, long[]> x : expected.entrySet()) {
                assertArrayEquals(x.getValue(), heads.get(x.getKey()).shape().getShape(), x.getKey());
            }
            assertTrue(net.stateTensors().containsKey("backbone.stem.conv1.weight"));
            assertEquals(5, net.numClasses());
        }
    }

    @Test
    void outputShapesAndLossNames() {
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderDecoder net = EncoderDecoder.build(TinyUperNet.model(5, "{\"mode\": \"whole\"}"), m);
            NDArray images = m.randomNormal(new Shape(2, 3, 64, 96));
            List<NDArray> feats = net.backbone().forward(images);
            assertEquals(new Shape(2, 5, 16, 24), net.decodeHead().forward(feats).getShape(), "UPerHead at stride 4");
            assertEquals(new Shape(2, 5, 4, 6), net.auxiliaryHead().forward(feats).getShape(), "FCNHead at stride 16");
            assertEquals(new Shape(2, 5, 64, 96), net.encodeDecode(images).getShape());
            NDArray labels = m.randomInteger(0, 5, new Shape(2, 64, 96), ai.djl.ndarray.types.DataType.INT32);
            Losses losses = net.forwardTrain(images, labels);
            assertEquals(List.of("decode.loss_ce", "decode.acc_seg", "aux.loss_ce", "aux.acc_seg"),
                    new ArrayList<>(losses.values().keySet()));
            // An untrained net with conv_seg ~ N(0, 0.01) predicts near-uniformly: the loss is about ln(5) (x0.4 for aux).
            assertEquals(Math.log(5), losses.values().get("decode.loss_ce").getFloat(), 0.05);
            assertEquals(0.4 * Math.log(5), losses.values().get("aux.loss_ce").getFloat(), 0.05);
            NDArray bad = labels.duplicate();
            bad.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0"), 7);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.forwardTrain(images, bad));
            assertTrue(e.getMessage().contains("[0, 5)"), e.getMessage());
        }
    }

    @Test
    void configErrorsNameTheKey() {
        try (NDManager m = NDManager.newBaseManager()) {
            JsonObject unknown = TinyUperNet.json(5, "{\"mode\": \"whole\"}");
            unknown.getAsJsonObject("decode_head").addProperty("pool_scale", 3);
            ConfigException e1 = assertThrows(ConfigException.class,
                    () -> EncoderDecoder.build(Config.of(unknown, "bad.json"), m));
            assertTrue(e1.getMessage().contains("decode_head.pool_scale") && e1.getMessage().contains("pool_scales"), e1.getMessage());

            JsonObject mismatch = TinyUperNet.json(5, "{\"mode\": \"whole\"}");
            mismatch.getAsJsonObject("auxiliary_head").addProperty("in_channels", 1024);
            ConfigException e2 = assertThrows(ConfigException.class,
                    () -> EncoderDecoder.build(Config.of(mismatch, "bad.json"), m));
            assertTrue(e2.getMessage().contains("auxiliary_head") && e2.getMessage().contains("1024"), e2.getMessage());

            JsonObject slide = TinyUperNet.json(5, "{\"mode\": \"slide\", \"crop_size\": [64, 64]}");
            ConfigException e3 = assertThrows(ConfigException.class, () -> EncoderDecoder.build(Config.of(slide, "bad.json"), m));
            assertTrue(e3.getMessage().contains("stride"), e3.getMessage());

            // in_channels may be left out: they come from the backbone.
            JsonObject inferred = TinyUperNet.json(5, "{\"mode\": \"whole\"}");
            inferred.getAsJsonObject("decode_head").remove("in_channels");
            inferred.getAsJsonObject("auxiliary_head").remove("in_channels");
            EncoderDecoder net = EncoderDecoder.build(Config.of(inferred, "ok.json"), m);
            assertEquals(List.of(8, 16, 24, 32), ((UperHead) net.decodeHead()).config().inChannels());
            assertFalse(net.stateTensors().isEmpty());
        }
    }

    @Test
    void windowStartsFollowMmsegGrid() {
        // ADE20K at (2048, 512) keep-ratio: a 512 x 683 view with crop 512, stride 341.
        assertArrayEquals(new int[] {0}, SlidingWindow.starts(512, 512, 341));
        assertArrayEquals(new int[] {0, 171}, SlidingWindow.starts(683, 512, 341));
        assertArrayEquals(new int[] {0, 341, 682, 888}, SlidingWindow.starts(1400, 512, 341));
        assertArrayEquals(new int[] {0}, SlidingWindow.starts(300, 512, 341), "smaller than the crop: one window");
    }
}
