package dev.densepred.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;

import dev.densepred.detection.box.MaxIouAssigner;
import dev.densepred.detection.box.RandomSampler;
import dev.densepred.detection.roi.StandardRoiHead;
import dev.densepred.detection.rpn.RpnHead;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;

import org.junit.jupiter.api.Test;

import java.util.List;

/** {@link MaskRcnnSettings}: mmdetection's keys and defaults, and errors that name the key. */
class MaskRcnnSettingsTest {

    private static Config json(String text) {
        return Config.of(JsonParser.parseString(text).getAsJsonObject(), "model.json");
    }

    @Test
    void leftOutSectionsTakeMaskRcnnR50FpnValues() {
        MaskRcnnSettings s = MaskRcnnSettings.bind(json("{\"type\": \"MaskRCNN\", \"backbone\": {\"type\": \"ResNet\"}}"));
        assertEquals(256, s.neck().outChannels());
        assertEquals(5, s.neck().numOuts());
        assertEquals(new MaxIouAssigner.Config(0.7, 0.3, 0.0, 0.3, true, -1, true, true), s.rpnTrain().assigner());
        assertEquals(new RandomSampler.Config(256, 0.5, -1, false), s.rpnTrain().sampler());
        assertEquals(new RpnHead.ProposalConfig(2000, 1000, 0.7, 0), s.rpnProposal());
        assertEquals(new RpnHead.ProposalConfig(1000, 1000, 0.7, 0), s.rpnTest());
        assertEquals(new MaxIouAssigner.Config(0.5, 0.5, 0.0, 0.5, true, -1, true, true), s.rcnnTrain().assigner());
        assertEquals(new RandomSampler.Config(512, 0.25, -1, true), s.rcnnTrain().sampler());
        assertEquals(28, s.rcnnTrain().maskSize());
        assertEquals(new StandardRoiHead.TestConfig(0.05, 0.5, 100, 0.5), s.rcnnTest());
        assertEquals(80, s.roiHead().bboxHead().numClasses());
        assertEquals(List.of(0.1, 0.1, 0.2, 0.2), s.roiHead().bboxHead().bboxCoder().targetStds());
        assertEquals(7, s.roiHead().bboxRoiExtractor().roiLayer().outputSize());
        assertEquals(14, s.roiHead().maskRoiExtractor().roiLayer().outputSize());
        assertEquals(List.of(4, 8, 16, 32, 64), s.rpnHead().anchorGenerator().strides());
    }

    @Test
    void mmdetectionStyleSectionsBind() {
        MaskRcnnSettings s = MaskRcnnSettings.bind(TinyMaskRcnn.model(3, """
                "train_cfg": {"rpn": {"assigner": {"type": "MaxIoUAssigner", "pos_iou_thr": 0.7, "neg_iou_thr": 0.3,
                                                   "min_pos_iou": 0.3, "match_low_quality": true, "ignore_iof_thr": -1},
                                      "sampler": {"type": "RandomSampler", "num": 256, "pos_fraction": 0.5, "neg_pos_ub": -1,
                                                  "add_gt_as_proposals": false},
                                      "allowed_border": -1, "pos_weight": -1, "debug": false},
                              "rpn_proposal": {"nms_pre": 2000, "max_per_img": 1000, "nms": {"type": "nms", "iou_threshold": 0.7},
                                               "min_bbox_size": 0},
                              "rcnn": {"sampler": {"type": "RandomSampler", "num": 128, "pos_fraction": 0.25},
                                       "mask_size": 28, "pos_weight": -1, "debug": false}},
                "test_cfg": {"rpn": {"nms_pre": 500, "max_per_img": 300, "nms": {"type": "nms", "iou_threshold": 0.6},
                                     "min_bbox_size": 0},
                             "rcnn": {"score_thr": 0.1, "nms": {"type": "nms", "iou_threshold": 0.4}, "max_per_img": 50,
                                      "mask_thr_binary": 0.5}}"""));
        assertEquals(3, s.roiHead().bboxHead().numClasses());
        assertEquals(3, s.roiHead().maskHead().numClasses());
        assertEquals(2, s.roiHead().maskHead().numConvs());
        assertEquals(new RandomSampler.Config(128, 0.25, -1, true), s.rcnnTrain().sampler());
        assertEquals(new RpnHead.ProposalConfig(500, 300, 0.6, 0), s.rpnTest());
        assertEquals(new StandardRoiHead.TestConfig(0.1, 0.4, 50, 0.5), s.rcnnTest());
    }

    @Test
    void aModelWithoutMaskHeadHasNoMaskSettings() {
        MaskRcnnSettings s = MaskRcnnSettings.bind(json("""
                {"type": "MaskRCNN", "backbone": {"type": "ResNet"},
                 "roi_head": {"type": "StandardRoIHead", "bbox_head": {"type": "Shared2FCBBoxHead", "num_classes": 5}}}"""));
        assertNull(s.roiHead().maskHead());
        assertNull(s.roiHead().maskRoiExtractor());
    }

    @Test
    void errorsNameTheKey() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> MaskRcnnSettings.bind(json("""
                {"type": "MaskRCNN", "backbone": {"type": "ResNet"},
                 "roi_head": {"bbox_head": {"fc_out_channel": 1024}}}""")));
        assertTrue(unknown.getMessage().contains("roi_head.bbox_head.fc_out_channel"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("fc_out_channels"), unknown.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> MaskRcnnSettings.bind(json("""
                {"type": "MaskRCNN", "backbone": {"type": "ResNet"},
                 "train_cfg": {"rcnn": {"sampler": {"type": "OHEMSampler", "num": 512}}}}""")));
        assertTrue(type.getMessage().contains("train_cfg.rcnn.sampler") && type.getMessage().contains("OHEMSampler"), type.getMessage());
        ConfigException loss = assertThrows(ConfigException.class, () -> MaskRcnnSettings.bind(json("""
                {"type": "MaskRCNN", "backbone": {"type": "ResNet"},
                 "rpn_head": {"loss_cls": {"type": "CrossEntropyLoss", "use_sigmoid": false}}}""")));
        assertTrue(loss.getMessage().contains("rpn_head.loss_cls"), loss.getMessage());
        assertThrows(ConfigException.class, () -> MaskRcnnSettings.bind(json("{\"type\": \"MaskRCNN\"}")), "backbone is required");
        assertThrows(ConfigException.class, () -> MaskRcnnSettings.bind(json("{\"type\": \"FasterRCNN\", \"backbone\": {}}")));
    }
}
