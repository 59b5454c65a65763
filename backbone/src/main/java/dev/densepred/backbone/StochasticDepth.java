package dev.densepred.backbone;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** timm's stochastic-depth schedule shared by the hierarchical backbones. */
public final class StochasticDepth {

    private StochasticDepth() {}

    /**
     * {@code linspace(0, rate, sum(depths))} split per stage (in double; torch computes it in float32, which can differ
     * in the last bit of a probability).
     */
    public static List<List<Double>> perStage(List<Integer> depths, double rate) {
        int total = depths.stream().mapToInt(Integer::intValue).sum();
        List<List<Double>> out = new ArrayList<>();
        int k = 0;
        for (int d : depths) {
            List<Double> stage = new ArrayList<>();
            for (int j = 0; j < d; j++, k++) {
                stage.add(total == 1 ? 0.0 : rate * k / (total - 1));
            }
            out.add(Collections.unmodifiableList(stage));
        }
        return Collections.unmodifiableList(out);
    }
}
