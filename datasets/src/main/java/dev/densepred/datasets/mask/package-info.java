/**
 * Mask structures in pure Java, with pycocotools' semantics: {@link dev.densepred.datasets.mask.RleMask}
 * (run-length encoding and its compressed string), {@link dev.densepred.datasets.mask.PolygonMask} (validated COCO
 * polygons), {@link dev.densepred.datasets.mask.BitMask} (a compact bitmap for training targets) and
 * {@link dev.densepred.datasets.mask.MaskApi}, the static port of {@code maskApi.c} (rasterisation, merge, IoU).
 * Nothing here touches NDArrays.
 */
package dev.densepred.datasets.mask;
