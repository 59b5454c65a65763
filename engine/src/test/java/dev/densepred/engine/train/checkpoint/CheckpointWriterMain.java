package dev.densepred.engine.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.train.amp.LossScaler;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The child process of {@link CheckpointCrashTest}: continues from the newest valid checkpoint in a folder and saves
 * checkpoints back to back, each tensor filled with a value derived from the iteration, printing {@code saved N}
 * after each save returns, until it is killed.
 */
public final class CheckpointWriterMain {

    private CheckpointWriterMain() {}

    /** Tensors of checkpoint {@code it}: "weight" = it, "bias" = -it, "weight.exp_avg" = 2 it. */
    static Map<String, NDArray> model(NDManager m, long it) {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("weight", m.full(new Shape(1024, 1024), it, DataType.FLOAT32));
        t.put("bias", m.full(new Shape(1024), -it, DataType.FLOAT32));
        return t;
    }

    static Map<String, NDArray> optimizer(NDManager m, long it) {
        return Map.of("weight.exp_avg", m.full(new Shape(1024, 1024), 2 * it, DataType.FLOAT32));
    }

    static CheckpointMeta meta(long it) {
        return new CheckpointMeta(CheckpointMeta.FORMAT, "regular", it, it, 0, 1, 1, 1, 1, 0, new LossScaler.State(1, 0, 0, 0),
                "AdamW", Map.of("weight", it), null, null, null, null);
    }

    public static void main(String[] args) throws Exception {
        CheckpointStore store = new CheckpointStore(Path.of(args[0]));
        store.removeLeftovers();
        long it = store.latestValid(w -> {}).map(e -> e.meta().iteration()).orElse(0L);
        try (NDManager manager = NDManager.newBaseManager()) {
            while (true) {
                it++;
                try (NDManager m = manager.newSubManager()) {
                    store.save("iter_" + it, model(m, it), optimizer(m, it), meta(it));
                }
                System.out.println("saved " + it);
                System.out.flush();
                List<CheckpointStore.Entry> all = store.list();
                for (int i = 0; i < all.size() - 2; i++) {
                    store.delete(all.get(i));
                }
            }
        }
    }
}
