package dev.densepred.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;

import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.detection.box.MaxIouAssigner;
import dev.densepred.detection.box.RandomSampler;
import dev.densepred.detection.roi.MultiLevelRoiExtractor;
import dev.densepred.detection.roi.RoiAlign;
import dev.densepred.detection.rpn.AnchorGenerator;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The settings records bind from mmdetection-style config keys, missing keys taking the records' defaults. */
class ConfigBindingTest {

    private static Config json(String text) {
        return Config.of(JsonParser.parseString(text).getAsJsonObject(), "test");
    }

    @Test
    void maskRcnnSettingsBindFromMmdetectionKeys() {
        MaxIouAssigner.Config rpn = ConfigBinder.bind(
                json("{\"pos_iou_thr\": 0.7, \"neg_iou_thr\": 0.3, \"min_pos_iou\": 0.3, \"ignore_iof_thr\": -1}"), MaxIouAssigner.Config.class);
        assertEquals(new MaxIouAssigner.Config(0.7, 0.3, 0.0, 0.3, true, -1, true, true), rpn);
        RandomSampler.Config sampler = ConfigBinder.bind(
                json("{\"num\": 256, \"pos_fraction\": 0.5, \"add_gt_as_proposals\": false}"), RandomSampler.Config.class);
        assertEquals(new RandomSampler.Config(256, 0.5, -1, false), sampler);
        DeltaXywhCoder.Config coder = ConfigBinder.bind(json("{\"target_stds\": [0.1, 0.1, 0.2, 0.2]}"), DeltaXywhCoder.Config.class);
        assertEquals(List.of(0.1, 0.1, 0.2, 0.2), coder.targetStds());
        assertEquals(List.of(0.0, 0.0, 0.0, 0.0), coder.targetMeans());
        MultiLevelRoiExtractor.Config mask = ConfigBinder.bind(
                json("{\"roi_layer\": {\"output_size\": 14}, \"featmap_strides\": [4, 8, 16, 32]}"), MultiLevelRoiExtractor.Config.class);
        assertEquals(new RoiAlign.Config(14, 0, true), mask.roiLayer());
        assertEquals(AnchorGenerator.Config.defaults(), ConfigBinder.bind(json("{}"), AnchorGenerator.Config.class));
    }

    @Test
    void invalidValuesAreRefused() {
        assertThrows(ConfigException.class, () -> ConfigBinder.bind(json("{\"target_stds\": [0.1, 0.2]}"), DeltaXywhCoder.Config.class));
        assertThrows(ConfigException.class, () -> ConfigBinder.bind(json("{\"neg_iou_low\": 0.6, \"neg_iou_thr\": 0.5}"), MaxIouAssigner.Config.class));
    }
}
