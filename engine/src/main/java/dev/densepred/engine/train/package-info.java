/**
 * The training engine: {@link dev.densepred.engine.train.Runner} trains a {@link dev.densepred.engine.train.TrainTask}
 * (a model and its {@link dev.densepred.engine.train.Losses} per batch) on a
 * {@link dev.densepred.engine.data.BatchSource}, configured by a {@link dev.densepred.engine.train.TrainingConfig}
 * (mmengine's key names), evaluated by an {@link dev.densepred.engine.train.Evaluator}.
 *
 * <p>Sub-packages: {@code schedule} (learning-rate schedulers in closed form), {@code optim} (AdamW and SGD, parameter
 * groups, clipping), {@code amp} (FP16 master weights and loss scaling), {@code checkpoint} (atomic checkpoints and
 * resume), {@code log} (training log, progress bar), {@code parallel} (data parallelism over local devices).
 */
package dev.densepred.engine.train;
