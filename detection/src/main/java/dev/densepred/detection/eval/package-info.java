/**
 * COCO evaluation with pycocotools' numbers: {@link dev.densepred.detection.eval.CocoEvaluator} (COCOeval for bbox
 * and segm, in parallel), {@link dev.densepred.detection.eval.CocoEvalResult} (precision/recall arrays, the 12
 * stats, class-wise AP, the printed summary), results files read by
 * {@link dev.densepred.detection.eval.CocoResultsReader} (loadRes semantics) and written by
 * {@link dev.densepred.detection.eval.CocoResultsWriter}, and the numpy details they rely on in
 * {@link dev.densepred.detection.eval.NumpyMath}.
 */
package dev.densepred.detection.eval;
