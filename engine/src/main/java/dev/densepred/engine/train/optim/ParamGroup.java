package dev.densepred.engine.train.optim;

import java.util.List;

/**
 * Parameters that share a learning rate and weight decay, as one entry of a torch optimizer's
 * {@code param_groups}. The schedule scales {@code lr} (the group's initial learning rate) over time.
 *
 * @param name a readable name ({@code "default"}, {@code "layer_3_no_decay"}, {@code "custom:backbone"} ...)
 * @param lr initial learning rate (base lr times the group's multipliers)
 * @param weightDecay decoupled weight decay coefficient
 * @param params the parameters' dotted names, in model order
 */
public record ParamGroup(String name, double lr, double weightDecay, List<String> params) {
    public ParamGroup {
        params = List.copyOf(params);
    }
}
