/**
 * The command-line side of semantic segmentation: {@link dev.densepred.segmentation.job.SegmentationJob} trains UperNet
 * on ADE20K through the engine's runner, tests it (whole or sliding-window, single scale or multi-scale with flip,
 * mmseg's IoUMetric table, prediction pictures), draws predictions and training crops, and benchmarks a config.
 */
package dev.densepred.segmentation.job;
