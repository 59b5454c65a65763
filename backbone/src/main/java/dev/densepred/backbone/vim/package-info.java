/**
 * Vision Mamba (Vim, Zhu et al., ICML 2024), the network of {@code hustvl/Vim} under its parameter names, in the
 * dense form of its segmentation backbone ({@code VisionMambaSeg}: four layer outputs turned into a 4-scale pyramid by
 * deconvolutions and pooling): {@link dev.densepred.backbone.vim.Vim} with its settings record, and the
 * package-private block, bidirectional Mamba mixer and RMSNorm.
 */
package dev.densepred.backbone.vim;
