/**
 * ResNet with Bottleneck blocks in torchvision's layout and names, configured as mmdetection's Mask R-CNN
 * backbone (frozen stem and first stage, BatchNorm in evaluation mode): {@link dev.densepred.backbone.resnet.ResNet}.
 */
package dev.densepred.backbone.resnet;
