package dev.densepred.datasets.batch;

import ai.djl.ndarray.NDArray;
import dev.densepred.datasets.transform.ImageMeta;

import java.util.List;

/**
 * A collated batch (mmdet's {@code inputs} + {@code data_samples} metainfo): images as one {@code [N, 3, H, W]}
 * float32 array padded bottom/right, label maps (when the samples have them) as one {@code [N, H, W]} array padded
 * with the ignore value, and each image's {@link ImageMeta}. The arrays live in the manager given to
 * {@link Collate}; closing that manager frees them.
 *
 * @param images {@code [N, 3, H, W]} float32
 * @param labels {@code [N, H, W]} (int64 or uint8), or {@code null} when the samples have no label maps
 * @param metas per image, in batch order
 * @param height the padded batch height {@code H} ({@code batch_input_shape})
 * @param width the padded batch width {@code W}
 */
public record ImageBatch(NDArray images, NDArray labels, List<ImageMeta> metas, int height, int width) {
    public ImageBatch {
        metas = List.copyOf(metas);
    }
}
