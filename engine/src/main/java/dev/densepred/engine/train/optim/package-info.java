/**
 * The optimizer: {@link dev.densepred.engine.train.optim.AdamW} (torch semantics),
 * {@link dev.densepred.engine.train.optim.ParamGroups} (mmengine's {@code paramwise_cfg}),
 * {@link dev.densepred.engine.train.optim.LayerDecay} (layer-wise lr decay), {@link dev.densepred.engine.train.optim.GradClip}
 * ({@code clip_grad_norm_}) and {@link dev.densepred.engine.train.optim.OptimWrapper}, which ties them to the schedule.
 */
package dev.densepred.engine.train.optim;
