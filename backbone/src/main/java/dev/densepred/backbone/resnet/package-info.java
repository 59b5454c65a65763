/**
 * ResNet with Bottleneck blocks in torchvision's and mmcv's layout and names: {@link dev.densepred.backbone.resnet.ResNet},
 * as mmdetection's Mask R-CNN backbone (7x7 stem, frozen stem and first stage, BatchNorm in evaluation mode) or as
 * mmsegmentation's {@code ResNetV1c} (deep stem, every BatchNorm training).
 */
package dev.densepred.backbone.resnet;
