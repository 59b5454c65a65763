/**
 * The optimizer: the abstract {@link dev.densepred.engine.train.optim.Optimizer} (groups and slots) with its two
 * update rules, {@link dev.densepred.engine.train.optim.AdamW} and {@link dev.densepred.engine.train.optim.Sgd} (torch semantics),
 * {@link dev.densepred.engine.train.optim.ParamGroups} (mmengine's {@code paramwise_cfg}),
 * {@link dev.densepred.engine.train.optim.LayerDecay} (layer-wise lr decay), {@link dev.densepred.engine.train.optim.GradClip}
 * ({@code clip_grad_norm_}) and {@link dev.densepred.engine.train.optim.OptimWrapper}, which builds the optimizer
 * from the config and ties it to the schedule.
 */
package dev.densepred.engine.train.optim;
