/**
 * ConvNeXt (Liu et al., 2022), the network of timm's {@code convnext_*} under timm's parameter names, in the dense
 * form mmdetection and mmsegmentation use (a LayerNorm per output stage): {@link
 * dev.densepred.backbone.convnext.ConvNeXt} with its settings record, and its package-private block and stage.
 */
package dev.densepred.backbone.convnext;
