package dev.densepred.engine.train.parallel;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.train.StepContext;
import dev.densepred.engine.train.TinyBatch;
import dev.densepred.engine.train.TinyNet;
import dev.densepred.engine.train.TinySource;
import dev.densepred.engine.train.TinyTask;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reduction and broadcast on two CPU replicas: the averaged gradient of two half batches equals the gradient of
 * the whole batch on one replica, and a broadcast makes every replica hold the masters and the first one's buffers.
 */
class DataParallelTest {

    private static StepContext ctx(int r, Device d, NDManager m) {
        return new StepContext(m, d, DataType.FLOAT32, 0, 0, r, 0);
    }

    @Test
    void averagedHalfBatchGradientsEqualTheWholeBatchGradient() {
        List<TinyBatch> halves = new ArrayList<>();
        try (BatchIterator<TinyBatch> it = TinySource.halves(1, 3).epoch(0, 0, 0)) {
            it.forEachRemaining(halves::add);
        }
        TinyBatch whole;
        try (BatchIterator<TinyBatch> it = TinySource.merged(1, 3).epoch(0, 0, 0)) {
            whole = it.next();
        }
        try (DataParallel<TinyBatch, TinyTask> one = new DataParallel<>(List.of(Device.cpu()), m -> new TinyTask(m, TinyNet.Norm.LAYER));
                DataParallel<TinyBatch, TinyTask> two = new DataParallel<>(List.of(Device.cpu(), Device.cpu()),
                        m -> new TinyTask(m, TinyNet.Norm.LAYER))) {
            Map<String, NDArray> masters = new LinkedHashMap<>();
            one.replica(0).task().model().parameters().forEach((k, p) -> masters.put(k, p.array()));
            two.broadcast(masters);
            one.forwardBackward(List.of(whole), 1.0, DataParallelTest::ctx);
            two.forwardBackward(halves, 1.0, DataParallelTest::ctx);
            List<String> names = new ArrayList<>(masters.keySet());
            List<Executable> checks = new ArrayList<>();
            try (NDManager scope = NDManager.newBaseManager()) {
                List<NDArray> expected = one.gradients(scope, names, 1.0);
                List<NDArray> actual = two.gradients(scope, names, 0.5);
                for (int i = 0; i < names.size(); i++) {
                    float[] e = expected.get(i).toFloatArray();
                    float[] a = actual.get(i).toFloatArray();
                    String name = names.get(i);
                    for (int j = 0; j < e.length; j++) {
                        int k = j;
                        checks.add(() -> assertEquals(e[k], a[k], 1e-6 + 1e-5 * Math.abs(e[k]), name + "[" + k + "]"));
                    }
                }
            }
            assertAll(checks);
        }
    }

    @Test
    void broadcastCopiesMastersIntoEveryReplicaAndBuffersFromTheFirst() {
        try (DataParallel<TinyBatch, TinyTask> dp = new DataParallel<>(List.of(Device.cpu(), Device.cpu()),
                m -> new TinyTask(m, TinyNet.Norm.BATCH));
                NDManager masters = NDManager.newBaseManager()) {
            Map<String, NDArray> values = new LinkedHashMap<>();
            dp.replica(0).task().model().parameters().forEach((k, p) -> values.put(k, masters.randomNormal(p.shape())));
            dp.replica(0).task().model().stateTensors().get("norm.running_mean").array().addi(3);
            dp.broadcast(values);
            List<Executable> checks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                for (Map.Entry<String, Parameter> e : dp.replica(r).task().model().stateTensors().entrySet()) {
                    float[] got = e.getValue().array().toType(DataType.FLOAT32, true).toFloatArray();
                    float[] want = e.getValue().kind() == Parameter.Kind.BUFFER
                            ? dp.replica(0).task().model().stateTensors().get(e.getKey()).array().toType(DataType.FLOAT32, true).toFloatArray()
                            : values.get(e.getKey()).toFloatArray();
                    String what = "replica " + r + " " + e.getKey();
                    checks.add(() -> assertArrayEquals(want, got, what));
                }
            }
            assertAll(checks);
        }
    }
}
