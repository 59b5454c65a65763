/**
 * What a run reports: {@link dev.densepred.engine.train.log.TrainLogger} (text lines and {@code scalars.jsonl}),
 * {@link dev.densepred.engine.train.log.ProgressBar} and {@link dev.densepred.engine.train.log.ResidentMemory}.
 */
package dev.densepred.engine.train.log;
