/**
 * Boxes and the algorithms over them: {@link dev.densepred.detection.box.Boxes} (N x 4 xyxy float32 with its image
 * size), {@link dev.densepred.detection.box.BoxOps} (areas, IoU/IoF matrices, clipping),
 * {@link dev.densepred.detection.box.DeltaXywhCoder}, {@link dev.densepred.detection.box.MaxIouAssigner},
 * {@link dev.densepred.detection.box.RandomSampler} and host-side {@link dev.densepred.detection.box.Nms}.
 * Coordinates are input-image pixels, width = x2 - x1 (mmdetection 3.x, no +1).
 */
package dev.densepred.detection.box;
