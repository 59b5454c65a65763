/**
 * Image files and pixel kernels in BoofCV types: {@link dev.densepred.datasets.image.ImageDecoder} (RGB float
 * planes, raw 8-bit label maps, file-named errors), {@link dev.densepred.datasets.image.BilinearResize} and
 * {@link dev.densepred.datasets.image.NearestResize} (cv2 {@code INTER_LINEAR} / {@code INTER_NEAREST}), and
 * {@link dev.densepred.datasets.image.HsvColor} (cv2 float HSV).
 */
package dev.densepred.datasets.image;
