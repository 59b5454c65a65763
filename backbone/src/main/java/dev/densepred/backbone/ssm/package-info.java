/**
 * The selective state-space scan (S6) of Mamba, shared by the Vim and MambaVision backbones: {@link
 * dev.densepred.backbone.ssm.SelectiveScan}, a chunked formulation made of ordinary differentiable tensor ops.
 */
package dev.densepred.backbone.ssm;
