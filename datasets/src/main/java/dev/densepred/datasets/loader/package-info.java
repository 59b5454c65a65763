/**
 * Batches ahead of compute: {@link dev.densepred.datasets.loader.PrefetchLoader} (worker threads, deterministic
 * order and randomness, resumable epochs, bad samples reported and skipped), the samplers
 * ({@link dev.densepred.datasets.loader.Sampler}, {@link dev.densepred.datasets.loader.FixedSizeBatchSampler},
 * {@link dev.densepred.datasets.loader.AspectRatioBatchSampler}) and the failure reporting types.
 */
package dev.densepred.datasets.loader;
