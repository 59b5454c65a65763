/**
 * Running Mask R-CNN from the command line: {@link dev.densepred.detection.job.DetectionJob} (the
 * {@code TaskJob} of {@code model.type} MaskRCNN: train, test, infer, browse, benchmark), the config sections it
 * binds ({@link dev.densepred.detection.job.DetectionSettings}), the COCO loaders
 * ({@link dev.densepred.detection.job.DetectionData}) and batches
 * ({@link dev.densepred.detection.job.DetectionCollate}), the training task
 * ({@link dev.densepred.detection.job.MaskRcnnTask}) and the COCO test loop
 * ({@link dev.densepred.detection.job.CocoDetectionEvaluator}). See {@code docs/mask_rcnn_training.md}.
 */
package dev.densepred.detection.job;
