package dev.densepred.datasets.transform;

/**
 * What the transforms did to one image, kept beside the batch (mmdet's {@code img_meta}): the sizes are
 * {@code ori_shape}, {@code img_shape} and {@code pad_shape}.
 *
 * @param oriHeight height of the decoded file
 * @param oriWidth width of the decoded file
 * @param height height of the image content after resize and crop, before padding
 * @param width width of the image content after resize and crop, before padding
 * @param scaleX product of the horizontal resize factors (new width / old width of each resize)
 * @param scaleY product of the vertical resize factors
 * @param flipped whether the image was mirrored left to right
 * @param padHeight height after per-sample padding (equals {@code height} when not padded)
 * @param padWidth width after per-sample padding (equals {@code width} when not padded)
 */
public record ImageMeta(int oriHeight, int oriWidth, int height, int width, double scaleX, double scaleY,
                        boolean flipped, int padHeight, int padWidth) {}
