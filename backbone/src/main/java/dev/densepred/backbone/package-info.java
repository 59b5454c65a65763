/**
 * Backbones for dense prediction: networks that turn images into feature maps at several strides.
 *
 * <p>{@link dev.densepred.backbone.Backbone} is the contract the detection and segmentation necks code against
 * ({@link dev.densepred.backbone.FeatureInfo} per output level, NCHW maps from {@code forward}, strict
 * {@link dev.densepred.backbone.Backbone#loadPretrained weight loading} with a
 * {@link dev.densepred.backbone.LoadReport}); {@link dev.densepred.backbone.BackboneRegistry} builds one from a
 * config's {@code type}. {@link dev.densepred.backbone.Checkpoint} reads safetensors and PyTorch {@code .pth}
 * weight files alike. The networks live in {@link dev.densepred.backbone.mambaout} and
 * {@link dev.densepred.backbone.resnet}.
 */
package dev.densepred.backbone;
