/**
 * FP16 mixed precision: {@link dev.densepred.engine.train.amp.MixedPrecision} (float16 leaves, float32 masters, as
 * apex O2) and {@link dev.densepred.engine.train.amp.LossScaler} (GradScaler's dynamic or a static loss scale).
 */
package dev.densepred.engine.train.amp;
