/**
 * MambaOut, the same network as timm's {@code mambaout_*} and the official code: {@link
 * dev.densepred.backbone.mambaout.MambaOut} with its settings record and sizes, the blocks it is made of
 * (package-private: stem, downsample, Gated CNN block, stage, MLP head) and {@link
 * dev.densepred.backbone.mambaout.MambaOutKeys}, which maps timm and official parameter names.
 */
package dev.densepred.backbone.mambaout;
