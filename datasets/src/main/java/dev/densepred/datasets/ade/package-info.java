/**
 * ADE20K (SceneParsing-150): {@link dev.densepred.datasets.ade.Ade20kDataset} reads the {@code ADEChallengeData2016}
 * layout with mmseg's reduce_zero_label and checks every label map; {@link dev.densepred.datasets.ade.Ade20kClasses}
 * holds the 150 class names and mmseg's palette; {@link dev.densepred.datasets.ade.TestTimeAug} makes the multi-scale
 * and flip views of a test image, which travel with the full-size labels in a
 * {@link dev.densepred.datasets.ade.SegTestSample}.
 */
package dev.densepred.datasets.ade;
