/**
 * RoI feature extraction: {@link dev.densepred.detection.roi.RoiAlign} (torchvision / mmcv RoIAlign as one sparse
 * sampling matrix times the feature map), {@link dev.densepred.detection.roi.MultiLevelRoiExtractor}
 * (mmdetection's {@code SingleRoIExtractor}) and {@link dev.densepred.detection.roi.MaskTargets} (Mask R-CNN's
 * 28 x 28 mask targets).
 */
package dev.densepred.detection.roi;
