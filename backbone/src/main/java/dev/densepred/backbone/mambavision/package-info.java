/**
 * MambaVision (Hatamizadeh and Kautz, CVPR 2025), the network of {@code NVlabs/MambaVision} under its own parameter
 * names, in the dense form of its detection and segmentation backbone ({@code MM_mamba_vision}: a LayerNorm per
 * output level): {@link dev.densepred.backbone.mambavision.MambaVision} with its settings record, and the
 * package-private parts (patch embedding, CNN block, MambaVision mixer, attention, hybrid block, level).
 */
package dev.densepred.backbone.mambavision;
