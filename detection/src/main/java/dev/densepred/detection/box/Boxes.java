package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * The boxes of one image: an {@code [N, 4]} float32 xyxy array in input-image pixels together with the image's size
 * (detectron2's {@code Boxes} plus its {@code image_size}). The shape is checked here once, so code that takes
 * {@code Boxes} need not check it again; an empty input becomes {@code (0, 4)}. The array is not copied: the
 * wrapper lives as long as the array's manager.
 */
public final class Boxes {

    private final NDArray tensor;
    private final ImageSize imageSize;

    /**
     * Wraps {@code tensor} ({@code [N, 4]}, or any empty array which becomes {@code (0, 4)}).
     *
     * @throws IllegalArgumentException if the array is not float32 {@code [N, 4]}
     */
    public Boxes(NDArray tensor, ImageSize imageSize) {
        NDArray t = tensor;
        if (t.getShape().size() == 0 && !t.getShape().equals(new Shape(0, 4))) {
            if (t.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("boxes: expected float32 [N, 4] xyxy boxes, found " + t.getDataType() + " " + t.getShape());
            }
            t = t.reshape(0, 4);
        }
        this.tensor = BoxOps.checkBoxes("boxes", t);
        this.imageSize = imageSize;
    }

    /** No boxes, {@code (0, 4)}, in {@code manager}. */
    public static Boxes empty(NDManager manager, ImageSize imageSize) {
        return new Boxes(manager.zeros(new Shape(0, 4), DataType.FLOAT32), imageSize);
    }

    /** The {@code [N, 4]} array. */
    public NDArray tensor() {
        return tensor;
    }

    /** The image the coordinates refer to. */
    public ImageSize imageSize() {
        return imageSize;
    }

    /** Number of boxes. */
    public int size() {
        return Math.toIntExact(tensor.getShape().get(0));
    }

    /** Areas, {@code [N]}. */
    public NDArray area() {
        return BoxOps.area(tensor);
    }

    /** The boxes clamped to the image (x to {@code [0, width]}, y to {@code [0, height]}). */
    public Boxes clip() {
        return new Boxes(BoxOps.clip(tensor, imageSize), imageSize);
    }

    /** The rows selected by an int64 index array or a boolean mask of length N. */
    public Boxes select(NDArray indexOrMask) {
        Shape s = indexOrMask.getShape();
        if (s.dimension() != 1 || (indexOrMask.getDataType() == DataType.BOOLEAN && s.get(0) != size())) {
            throw new IllegalArgumentException("boxes.select: expected a 1-d index or a boolean mask of length " + size() + ", found "
                    + indexOrMask.getDataType() + " " + s);
        }
        return new Boxes(tensor.get(indexOrMask), imageSize);
    }

    /** Concatenates boxes of the same image. */
    public static Boxes cat(List<Boxes> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Boxes.cat: nothing to concatenate");
        }
        ImageSize size = parts.get(0).imageSize;
        NDList arrays = new NDList(parts.size());
        for (Boxes b : parts) {
            if (!b.imageSize.equals(size)) {
                throw new IllegalArgumentException("Boxes.cat: image sizes differ, " + size + " and " + b.imageSize);
            }
            arrays.add(b.tensor);
        }
        return new Boxes(NDArrays.concat(arrays, 0), size);
    }

    @Override
    public String toString() {
        return "Boxes(" + size() + " boxes, image " + imageSize.height() + "x" + imageSize.width() + ")";
    }
}
