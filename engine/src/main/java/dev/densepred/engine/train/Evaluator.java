package dev.densepred.engine.train;

import java.util.Map;

/**
 * The evaluation hook: mmengine's {@code ValLoop} plus its metric. The runner calls it every
 * {@code train_cfg.val_interval} epochs (or iterations) and at the end, with the model in evaluation mode, gradient
 * recording off and, under mixed precision, float32 weights; it keeps the best checkpoint by
 * {@code default_hooks.checkpoint.save_best}.
 *
 * @param <T> the task type, so the evaluator reaches the concrete model
 */
@FunctionalInterface
public interface Evaluator<T> {

    /** Named metrics, e.g. {@code coco/bbox_mAP} or {@code mIoU}; NaN where a metric is undefined. */
    Map<String, Double> evaluate(T task, EvalContext ctx);
}
