package dev.densepred.segmentation;

/**
 * The segmentor's {@code test_cfg}: {@code {"mode": "whole"}} or
 * {@code {"mode": "slide", "crop_size": [512, 512], "stride": [341, 341]}} (heights first, as mmseg).
 *
 * @param mode whole-image or sliding-window inference
 * @param cropSize window (h, w) in slide mode
 * @param stride window step (h, w) in slide mode
 */
public record TestConfig(Mode mode, int[] cropSize, int[] stride) {

    /** How {@link EncoderDecoder#inferLogits} covers the image. */
    public enum Mode {
        WHOLE,
        SLIDE
    }

    public TestConfig {
        if (mode == Mode.SLIDE) {
            if (cropSize == null || stride == null || cropSize.length != 2 || stride.length != 2
                    || cropSize[0] < 1 || cropSize[1] < 1 || stride[0] < 1 || stride[1] < 1) {
                throw new IllegalArgumentException("slide mode needs crop_size [h, w] and stride [h, w], all >= 1");
            }
            cropSize = cropSize.clone();
            stride = stride.clone();
        }
    }

    /** Whole-image inference, mmseg's default. */
    public static TestConfig defaults() {
        return new TestConfig(Mode.WHOLE, null, null);
    }

    /** Sliding windows of {@code crop} pixels every {@code stride} pixels in both axes. */
    public static TestConfig slide(int crop, int stride) {
        return new TestConfig(Mode.SLIDE, new int[] {crop, crop}, new int[] {stride, stride});
    }

    @Override
    public int[] cropSize() {
        return cropSize == null ? null : cropSize.clone();
    }

    @Override
    public int[] stride() {
        return stride == null ? null : stride.clone();
    }
}
