package dev.densepred.backbone;

import java.util.List;

/**
 * One output level of a {@link Backbone}: its channel count, its stride (input pixels per output pixel) and the
 * module that produces it, as timm's {@code feature_info} entries ({@code num_chs}, {@code reduction},
 * {@code module}). Necks read these to size their layers without running the network.
 *
 * @param channels channels of the map, &gt; 0
 * @param stride reduction relative to the input, &gt; 0
 * @param module dotted name of the module whose output this is, e.g. {@code stages.2} or {@code layer3}
 */
public record FeatureInfo(int channels, int stride, String module) {

    public FeatureInfo {
        if (channels <= 0) {
            throw new IllegalArgumentException("feature '" + module + "': channels must be > 0, got " + channels);
        }
        if (stride <= 0) {
            throw new IllegalArgumentException("feature '" + module + "': stride must be > 0, got " + stride);
        }
        if (module == null || module.isEmpty()) {
            throw new IllegalArgumentException("feature with " + channels + " channels, stride " + stride + ": no module name");
        }
    }

    /**
     * Checks a backbone's levels as timm's {@code FeatureInfo} does: at least one, and strides never decrease.
     *
     * @return {@code levels} as an unmodifiable list
     */
    public static List<FeatureInfo> checkLevels(List<FeatureInfo> levels) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("a backbone must output at least one feature level");
        }
        for (int i = 1; i < levels.size(); i++) {
            if (levels.get(i).stride() < levels.get(i - 1).stride()) {
                throw new IllegalArgumentException("feature strides must not decrease: level " + i + " ('"
                        + levels.get(i).module() + "') has stride " + levels.get(i).stride() + " after "
                        + levels.get(i - 1).stride());
            }
        }
        return List.copyOf(levels);
    }
}
