package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Pairwise box math over {@code [N, 4]} xyxy float32 arrays, each an N x M broadcast with no per-box loop, in the
 * mmdetection 3.x convention (width = x2 - x1, no +1). Results join the first argument's manager.
 *
 * <p>{@link #iou} is {@code torchvision.ops.box_iou}: two zero-area boxes give 0/0 = NaN, as there.
 * {@link #overlaps} is mmdetection's {@code bbox_overlaps} (non-aligned): the denominator is clamped to {@code eps},
 * so it never yields NaN; the assigner uses it, as mmdetection's does.
 */
public final class BoxOps {

    /** What the intersection is divided by. */
    public enum Mode {
        /** Intersection over union. */
        IOU,
        /** Intersection over the first argument's area (mmdetection's {@code iof}). */
        IOF
    }

    /** mmdetection's default denominator clamp in {@code bbox_overlaps}. */
    public static final float DEFAULT_EPS = 1e-6f;

    private BoxOps() {}

    /**
     * Checks that {@code boxes} is a float32 {@code [N, 4]} array; the message names the tensor and both shapes.
     *
     * @return {@code boxes}, for chaining
     */
    public static NDArray checkBoxes(String name, NDArray boxes) {
        Shape s = boxes.getShape();
        if (s.dimension() != 2 || s.get(1) != 4 || boxes.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(
                    name + ": expected float32 [N, 4] xyxy boxes, found " + boxes.getDataType() + " " + s);
        }
        return boxes;
    }

    /** Areas {@code (x2 - x1) * (y2 - y1)}, shape {@code [N]}. */
    public static NDArray area(NDArray boxes) {
        checkBoxes("boxes", boxes);
        return boxes.get(":, 2").sub(boxes.get(":, 0")).mul(boxes.get(":, 3").sub(boxes.get(":, 1")));
    }

    /** {@code torchvision.ops.box_iou}: {@code [N, M]} IoU, NaN where both boxes have zero area. */
    public static NDArray iou(NDArray boxes1, NDArray boxes2) {
        checkBoxes("boxes1", boxes1);
        checkBoxes("boxes2", boxes2);
        NDArray inter = intersection(boxes1, boxes2);
        NDArray union = area(boxes1).expandDims(1).add(area(boxes2).expandDims(0)).sub(inter);
        return inter.div(union);
    }

    /**
     * mmdetection's {@code bbox_overlaps(boxes1, boxes2, mode, is_aligned=False, eps)}: {@code [N, M]}, the
     * intersection divided by {@code max(union, eps)} ({@link Mode#IOU}) or {@code max(area1, eps)}
     * ({@link Mode#IOF}).
     */
    public static NDArray overlaps(NDArray boxes1, NDArray boxes2, Mode mode, float eps) {
        checkBoxes("boxes1", boxes1);
        checkBoxes("boxes2", boxes2);
        NDArray inter = intersection(boxes1, boxes2);
        NDArray area1 = area(boxes1).expandDims(1);
        NDArray denominator = mode == Mode.IOU ? area1.add(area(boxes2).expandDims(0)).sub(inter) : area1;
        return inter.div(denominator.maximum(eps));
    }

    /**
     * Clamps x to {@code [0, width]} and y to {@code [0, height]}, as mmdetection's decode with {@code max_shape}
     * and detectron2's {@code Boxes.clip}.
     */
    public static NDArray clip(NDArray boxes, ImageSize size) {
        checkBoxes("boxes", boxes);
        long n = boxes.getShape().get(0);
        // [N, 4] -> [N, 2, 2] (corner, xy) so one clip per axis covers both corners.
        NDArray corners = boxes.reshape(n, 2, 2);
        NDArray x = corners.get(":, :, 0").clip(0f, (float) size.width());
        NDArray y = corners.get(":, :, 1").clip(0f, (float) size.height());
        return x.stack(y, 2).reshape(n, 4);
    }

    /** {@code [N, M]} intersection areas: clamp(min(x2) - max(x1), 0) * clamp(min(y2) - max(y1), 0). */
    private static NDArray intersection(NDArray boxes1, NDArray boxes2) {
        // [N, 1, 2] against [1, M, 2] -> [N, M, 2]
        NDArray lt = boxes1.get(":, :2").expandDims(1).maximum(boxes2.get(":, :2").expandDims(0));
        NDArray rb = boxes1.get(":, 2:").expandDims(1).minimum(boxes2.get(":, 2:").expandDims(0));
        NDArray wh = rb.sub(lt).maximum(0f);
        return wh.get(":, :, 0").mul(wh.get(":, :, 1"));
    }
}
