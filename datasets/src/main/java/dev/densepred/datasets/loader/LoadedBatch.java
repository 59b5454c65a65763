package dev.densepred.datasets.loader;

import java.util.List;

/**
 * One batch as the loader delivers it: host-side samples in the sampler's order, with the failed ones left out.
 *
 * @param epoch the epoch
 * @param index the batch index within the epoch, as the batch sampler numbers it (use it to resume)
 * @param samples the samples that loaded, in order; fewer than the sampler's batch when some were skipped
 * @param skipped how many samples of this batch were skipped as bad data
 * @param <S> the sample type
 */
public record LoadedBatch<S>(int epoch, int index, List<S> samples, int skipped) {
    public LoadedBatch {
        samples = List.copyOf(samples);
    }
}
