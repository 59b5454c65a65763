package dev.densepred.detection;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;

/** A few-channel Mask R-CNN config for tests: a 4-stage MambaOut of one block per stage (16-64 channels), 32-channel FPN and heads. */
final class TinyMaskRcnn {

    private TinyMaskRcnn() {}

    /** The {@code model} node with {@code numClasses} classes; {@code extra} is merged at the top level (may be empty). */
    static Config model(int numClasses, String extra) {
        String json = """
            {"type": "MaskRCNN",
             "backbone": {"type": "MambaOut", "depths": [1, 1, 1, 1], "dims": [16, 32, 48, 64]},
             "neck": {"type": "FPN", "in_channels": [16, 32, 48, 64], "out_channels": 32, "num_outs": 5},
             "rpn_head": {"type": "RPNHead", "in_channels": 32, "feat_channels": 32,
                          "anchor_generator": {"type": "AnchorGenerator", "scales": [8], "ratios": [0.5, 1.0, 2.0],
                                               "strides": [4, 8, 16, 32, 64]},
                          "bbox_coder": {"type": "DeltaXYWHBBoxCoder", "target_means": [0.0, 0.0, 0.0, 0.0],
                                         "target_stds": [1.0, 1.0, 1.0, 1.0]},
                          "loss_cls": {"type": "CrossEntropyLoss", "use_sigmoid": true, "loss_weight": 1.0},
                          "loss_bbox": {"type": "L1Loss", "loss_weight": 1.0}},
             "roi_head": {"type": "StandardRoIHead",
                          "bbox_roi_extractor": {"type": "SingleRoIExtractor",
                                                 "roi_layer": {"type": "RoIAlign", "output_size": 7, "sampling_ratio": 0},
                                                 "out_channels": 32, "featmap_strides": [4, 8, 16, 32]},
                          "bbox_head": {"type": "Shared2FCBBoxHead", "in_channels": 32, "fc_out_channels": 64,
                                        "roi_feat_size": 7, "num_classes": %d,
                                        "bbox_coder": {"type": "DeltaXYWHBBoxCoder", "target_means": [0.0, 0.0, 0.0, 0.0],
                                                       "target_stds": [0.1, 0.1, 0.2, 0.2]},
                                        "reg_class_agnostic": false,
                                        "loss_cls": {"type": "CrossEntropyLoss", "use_sigmoid": false, "loss_weight": 1.0},
                                        "loss_bbox": {"type": "L1Loss", "loss_weight": 1.0}},
                          "mask_roi_extractor": {"type": "SingleRoIExtractor",
                                                 "roi_layer": {"type": "RoIAlign", "output_size": 14, "sampling_ratio": 0},
                                                 "out_channels": 32, "featmap_strides": [4, 8, 16, 32]},
                          "mask_head": {"type": "FCNMaskHead", "num_convs": 2, "in_channels": 32, "conv_out_channels": 32,
                                        "num_classes": %d,
                                        "loss_mask": {"type": "CrossEntropyLoss", "use_mask": true, "loss_weight": 1.0}}}
             %s}
            """.formatted(numClasses, numClasses, extra.isEmpty() ? "" : ", " + extra);
        JsonObject obj = JsonParser.parseString(json).getAsJsonObject();
        return Config.of(obj, "tiny-mask-rcnn");
    }
}
