package dev.densepred.segmentation;

import java.util.List;

/**
 * mmcv's {@code norm_cfg}, e.g. {@code {"type": "SyncBN", "requires_grad": true}}. {@code BN} and {@code SyncBN} build
 * the same {@link dev.densepred.engine.nn.BatchNorm2d} named {@code bn}: on one device SyncBN is BN; under data
 * parallelism each replica normalises with its own batch statistics (documented in docs/upernet.md).
 *
 * @param type {@code BN} or {@code SyncBN}
 * @param requiresGrad false freezes the norm's weight and bias (statistics still update in training, as mmcv)
 */
public record NormConfig(String type, boolean requiresGrad) {

    /** The norm types this module builds. */
    public static final List<String> TYPES = List.of("BN", "SyncBN");

    public NormConfig {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown norm type '" + type + "'; supported: " + String.join(", ", TYPES));
        }
    }

    /** mmsegmentation's UperNet default, {@code SyncBN} with trainable affine parameters. */
    public static NormConfig defaults() {
        return new NormConfig("SyncBN", true);
    }
}
