package dev.densepred.detection.eval;

/** What COCOeval compares: boxes or masks ({@code iouType} {@code 'bbox'} / {@code 'segm'} in pycocotools). */
public enum IouType {
    BBOX("bbox"),
    SEGM("segm");

    private final String cocoName;

    IouType(String cocoName) {
        this.cocoName = cocoName;
    }

    /** The name pycocotools uses. */
    public String cocoName() {
        return cocoName;
    }

    /**
     * Parses {@code bbox} or {@code segm}.
     *
     * @throws IllegalArgumentException naming the valid values
     */
    public static IouType parse(String s) {
        for (IouType t : values()) {
            if (t.cocoName.equals(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown iou type '" + s + "'; expected bbox or segm");
    }
}
