/**
 * Checkpoints: {@link dev.densepred.engine.train.checkpoint.CheckpointStore} (safetensors plus a JSON commit marker,
 * written atomically, verified by CRC32C on resume), {@link dev.densepred.engine.train.checkpoint.CheckpointMeta}
 * (the JSON) and {@link dev.densepred.engine.train.checkpoint.CheckpointHook} (when to save, what to keep, best).
 */
package dev.densepred.engine.train.checkpoint;
