/**
 * The collate step, the only place the data pipeline makes NDArrays: {@link dev.densepred.datasets.batch.Collate}
 * pads a list of samples into one {@link dev.densepred.datasets.batch.ImageBatch} in the caller's manager.
 */
package dev.densepred.datasets.batch;
