/**
 * COCO annotation files: {@link dev.densepred.datasets.coco.CocoInstancesReader} streams an instances file into a
 * compact {@link dev.densepred.datasets.coco.CocoInstances} (images, categories, annotations as parallel arrays,
 * segmentations packed in a {@link dev.densepred.datasets.coco.SegmentationStore}, indexes by image and category);
 * {@link dev.densepred.datasets.coco.SyntheticInstances} writes synthetic files of any size for benchmarks.
 */
package dev.densepred.datasets.coco;
