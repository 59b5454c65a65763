package dev.densepred.segmentation;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;

/** Small UperNet configs for tests: a 4-stage MambaOut with a few channels and narrow heads. */
final class TinyUperNet {

    private TinyUperNet() {}

    /** The {@code model} node with {@code extra} (a JSON object's members) merged over the top level. */
    static Config model(int numClasses, String testCfg) {
        return Config.of(json(numClasses, testCfg), "tiny-upernet");
    }

    static JsonObject json(int numClasses, String testCfg) {
        String s = """
                {"type": "EncoderDecoder",
                 "backbone": {"type": "MambaOut", "depths": [1, 1, 1, 1], "dims": [8, 16, 24, 32]},
                 "decode_head": {"type": "UPerHead", "in_channels": [8, 16, 24, 32], "in_index": [0, 1, 2, 3],
                                 "pool_scales": [1, 2, 3, 6], "channels": 16, "dropout_ratio": 0.1,
                                 "num_classes": %d, "norm_cfg": {"type": "BN", "requires_grad": true},
                                 "align_corners": false,
                                 "loss_decode": {"type": "CrossEntropyLoss", "use_sigmoid": false, "loss_weight": 1.0}},
                 "auxiliary_head": {"type": "FCNHead", "in_channels": 24, "in_index": 2, "channels": 8,
                                    "num_convs": 1, "concat_input": false, "dropout_ratio": 0.1,
                                    "num_classes": %d, "norm_cfg": {"type": "BN", "requires_grad": true},
                                    "align_corners": false,
                                    "loss_decode": {"type": "CrossEntropyLoss", "use_sigmoid": false, "loss_weight": 0.4}},
                 "train_cfg": {},
                 "test_cfg": %s}
                """.formatted(numClasses, numClasses, testCfg);
        return JsonParser.parseString(s).getAsJsonObject();
    }
}
