/**
 * Mask R-CNN's building blocks and, later, the detector itself. {@link dev.densepred.detection.box} holds box
 * structures and the per-image box algorithms (IoU, coding, assignment, sampling, NMS),
 * {@link dev.densepred.detection.rpn} the anchor generator, {@link dev.densepred.detection.roi} RoIAlign, the
 * multi-level RoI extractor and the mask-target helper. Semantics follow mmdetection 3.x and torchvision.ops; see
 * {@code docs/ops.md}.
 */
package dev.densepred.detection;
