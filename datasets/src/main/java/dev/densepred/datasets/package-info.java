/**
 * Data for dense prediction: image decode and transforms ({@link dev.densepred.datasets.image},
 * {@link dev.densepred.datasets.transform}), the collate step into NDArrays ({@link dev.densepred.datasets.batch})
 * and the multi-threaded prefetching loader ({@link dev.densepred.datasets.loader}). Bad data surfaces as
 * {@link dev.densepred.datasets.SampleException}, which the loader reports and skips.
 */
package dev.densepred.datasets;
