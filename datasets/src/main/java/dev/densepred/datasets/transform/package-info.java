/**
 * Training and test transforms, the typed twins of mmcv/mmdet/mmseg transforms. A
 * {@link dev.densepred.datasets.transform.Pipeline} of {@link dev.densepred.datasets.transform.Transform}s changes an
 * {@link dev.densepred.datasets.transform.ImageSample} (image, optional label map, {@link
 * dev.densepred.datasets.transform.Geometry} targets such as {@link dev.densepred.datasets.transform.BoxTargets});
 * {@link dev.densepred.datasets.transform.Transforms} maps config {@code type} names to them.
 */
package dev.densepred.datasets.transform;
