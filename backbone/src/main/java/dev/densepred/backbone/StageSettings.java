package dev.densepred.backbone;

import java.util.List;

/**
 * Checks of the settings the staged backbones share, so that each config record reports a bad value in the same
 * words: the per-stage depths and widths, {@code out_indices} and {@code drop_path_rate}.
 */
public final class StageSettings {

    private StageSettings() {}

    /** {@code depths} and {@code dims}: lists of one length, at least one stage, depths >= 1 and dims >= {@code minDim}. */
    public static void checkDepthsAndDims(List<Integer> depths, List<Integer> dims, int minDim) {
        if (depths.isEmpty() || depths.size() != dims.size()) {
            throw new IllegalArgumentException("depths " + depths + " and dims " + dims + " must be non-empty lists of the same length");
        }
        for (int i = 0; i < depths.size(); i++) {
            if (depths.get(i) < 1 || dims.get(i) < minDim) {
                throw new IllegalArgumentException("stage " + i + ": depth " + depths.get(i) + " must be >= 1 and dim " + dims.get(i)
                        + " >= " + minDim);
            }
        }
    }

    /** {@code out_indices}: at least one, strictly increasing within {@code 0..stages-1}; returns an immutable copy. */
    public static List<Integer> checkOutIndices(List<Integer> outIndices, int stages) {
        if (outIndices.isEmpty()) {
            throw new IllegalArgumentException("out_indices must name at least one stage");
        }
        for (int k = 0; k < outIndices.size(); k++) {
            int i = outIndices.get(k);
            if (i < 0 || i >= stages || (k > 0 && i <= outIndices.get(k - 1))) {
                throw new IllegalArgumentException("out_indices " + outIndices + " must increase strictly within 0.." + (stages - 1));
            }
        }
        return List.copyOf(outIndices);
    }

    /** {@code drop_path_rate} in {@code [0, 1)} (NaN refused). */
    public static void checkDropPathRate(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("drop_path_rate must be in [0, 1), got " + rate);
        }
    }
}
