package dev.densepred.engine.train.checkpoint;

import dev.densepred.engine.train.amp.LossScaler;

import java.util.Map;

/**
 * The JSON file of a checkpoint: everything besides tensors that a resumed run needs to continue exactly, and the
 * names, sizes and CRC32C of its tensor files. Written last, it is the checkpoint's commit marker.
 *
 * @param format {@link #FORMAT}
 * @param kind {@code "regular"} (periodic, pruned to the last K) or {@code "best"}
 * @param iteration optimizer steps completed
 * @param epoch epochs completed ({@code iteration / iterationsPerEpoch})
 * @param iterInEpoch steps completed in the current epoch
 * @param iterationsPerEpoch optimizer steps per epoch
 * @param batchesPerEpoch the data source's batches per epoch when written
 * @param replicas data-parallel replicas
 * @param accumulativeCounts micro-batches per step
 * @param seed the run's seed (data order and per-iteration generator seeds derive from it)
 * @param lossScaler the loss scaler's state
 * @param optimizer the optimizer's type ({@code "AdamW"}, {@code "SGD"}); absent in checkpoints written before SGD
 *     existed, which are AdamW's (see {@link #optimizerType()})
 * @param optimizerSteps the optimizer's step count per parameter: the updates it received (a parameter's step
 *     advances only in steps where it has a gradient)
 * @param best the best evaluation so far, or null
 * @param metrics the evaluation that made a best checkpoint, or null
 * @param files {@code "model"} and {@code "optimizer"} tensor files
 * @param written ISO-8601 time of writing
 */
public record CheckpointMeta(
        String format,
        String kind,
        long iteration,
        long epoch,
        long iterInEpoch,
        long iterationsPerEpoch,
        int batchesPerEpoch,
        int replicas,
        int accumulativeCounts,
        long seed,
        LossScaler.State lossScaler,
        String optimizer,
        Map<String, Long> optimizerSteps,
        Best best,
        Map<String, Double> metrics,
        Map<String, FileRef> files,
        String written) {

    /** The format tag of this layout. */
    public static final String FORMAT = "densepred-checkpoint/1";

    /**
     * The best evaluation so far.
     *
     * @param metric metric name, e.g. {@code coco/bbox_mAP}
     * @param value its value
     * @param iteration iteration it was measured at
     */
    public record Best(String metric, double value, long iteration) {}

    /**
     * One tensor file of a checkpoint.
     *
     * @param name file name, relative to the checkpoint's folder
     * @param bytes file size
     * @param crc32c CRC32C of the whole file, hex
     */
    public record FileRef(String name, long bytes, String crc32c) {}

    /** The type of the optimizer whose state the checkpoint holds. */
    public String optimizerType() {
        return optimizer != null ? optimizer : "AdamW";
    }

    /** A copy with the file entries filled in. */
    CheckpointMeta withFiles(Map<String, FileRef> f, String time) {
        return new CheckpointMeta(format, kind, iteration, epoch, iterInEpoch, iterationsPerEpoch, batchesPerEpoch, replicas,
                accumulativeCounts, seed, lossScaler, optimizer, optimizerSteps, best, metrics, f, time);
    }
}
