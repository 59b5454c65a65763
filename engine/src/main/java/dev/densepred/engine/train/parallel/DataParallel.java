package dev.densepred.engine.train.parallel;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.StepContext;
import dev.densepred.engine.train.TensorCopy;
import dev.densepred.engine.train.TrainTask;
import dev.densepred.engine.nn.Functional;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Single-process data parallelism over the devices of one machine, the twin of torch's {@code DataParallel} with
 * {@code DistributedDataParallel}'s arithmetic: one model replica per device, each replica runs its own batch
 * (forward and backward on its own thread, since grad mode is thread-local), the gradients are summed on the first
 * device in float32 and averaged, and after the optimizer step the updated weights are copied back into every
 * replica, as are the first replica's buffers (DDP's {@code broadcast_buffers}).
 *
 * <p>Each replica owns a root manager on its device: the model lives in a child of it, every step in another child
 * that is closed when the step ends.
 *
 * @param <B> batch type
 * @param <T> task type
 */
public final class DataParallel<B, T extends TrainTask<B>> implements AutoCloseable {

    /**
     * One replica.
     *
     * @param task its task, whose model lives in a child of {@code root}
     * @param device its device
     * @param root its manager on the device, parent of the model's and of every step's
     */
    public record Replica<T>(T task, Device device, NDManager root) {}

    /**
     * The host copies of one replica's losses for one micro-batch, in the order the task added them.
     *
     * @param names loss names
     * @param values their float32 values
     */
    public record LossValues(List<String> names, float[] values) {}

    private final List<Replica<T>> replicas = new ArrayList<>();
    private final ExecutorService pool;

    /** Builds one replica per device with {@code factory}, the first device's first. */
    public DataParallel(List<Device> devices, TrainTask.Factory<T> factory) {
        try {
            for (Device d : devices) {
                NDManager root = NDManager.newBaseManager(d);
                replicas.add(new Replica<>(factory.create(root.newSubManager()), d, root));
            }
        } catch (RuntimeException e) {
            replicas.forEach(r -> r.root().close());
            throw e;
        }
        pool = devices.size() > 1 ? Executors.newFixedThreadPool(devices.size(), r -> {
            Thread t = new Thread(r, "data-parallel");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    public int size() {
        return replicas.size();
    }

    public Replica<T> replica(int i) {
        return replicas.get(i);
    }

    /**
     * Forward and backward of one micro-batch per replica: replica {@code i} takes {@code batches.get(i)}, and its
     * summed loss times {@code lossFactor} (loss scale over accumulation count) is back-propagated, adding into the
     * replica's gradients.
     *
     * @param context the step context of replica {@code i}, given its scope manager
     */
    public List<LossValues> forwardBackward(List<B> batches, double lossFactor, ContextFactory context) {
        if (batches.size() != replicas.size()) {
            throw new IllegalArgumentException(replicas.size() + " replicas need as many batches, got " + batches.size());
        }
        if (pool == null) {
            return List.of(run(0, batches.get(0), lossFactor, context));
        }
        List<Future<LossValues>> futures = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            int r = i;
            futures.add(pool.submit(() -> run(r, batches.get(r), lossFactor, context)));
        }
        List<LossValues> out = new ArrayList<>();
        for (Future<LossValues> f : futures) {
            out.add(await(f));
        }
        return out;
    }

    /** Makes replica {@code replica}'s step context for a scope manager on its device. */
    @FunctionalInterface
    public interface ContextFactory {
        StepContext create(int replica, Device device, NDManager scope);
    }

    @SuppressWarnings("try") // the resource is a guard: grad mode or precision, restored on close
    private LossValues run(int r, B batch, double lossFactor, ContextFactory context) {
        Replica<T> rep = replicas.get(r);
        try (Scope scope = Scope.open(rep.root()); Autograd.Recording rec = Autograd.record()) {
            Losses losses = rep.task().losses(batch, context.create(r, rep.device(), scope.manager()));
            NDArray total = losses.total();
            Autograd.backward(Functional.mul(total, lossFactor));
            List<String> names = new ArrayList<>(losses.values().keySet());
            NDList scalars = new NDList();
            losses.values().values().forEach(scalars::add);
            // one host copy for all losses of the micro-batch
            float[] values = NDArrays.stack(scalars).toFloatArray();
            return new LossValues(names, values);
        }
    }

    private static <V> V await(Future<V> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a replica", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The gradients of the named parameters, summed over replicas in float32 on the first device and multiplied by
     * {@code factor} (1 / (replicas x loss scale): mean and unscale), in {@code scope}; null for a parameter that no
     * replica computed a gradient for. With one float32 replica and factor 1 this is the gradient itself, uncopied.
     */
    @SuppressWarnings("try") // the resource is a guard: grad mode or precision, restored on close
    public List<NDArray> gradients(NDManager scope, List<String> names, double factor) {
        List<Map<String, Parameter>> params = new ArrayList<>();
        for (Replica<T> r : replicas) {
            params.add(r.task().model().parameters());
        }
        Device first = replicas.get(0).device();
        List<NDArray> out = new ArrayList<>(names.size());
        try (Autograd.Recording off = Autograd.noGrad()) {
            for (String name : names) {
                NDArray sum = null;
                for (Map<String, Parameter> p : params) {
                    PtNDArray g = JniUtils.getGradient((PtNDArray) p.get(name).array());
                    if (g == null) {
                        continue;
                    }
                    g.attach(scope);
                    NDArray g32 = g.getDataType() == DataType.FLOAT32 ? g : g.toType(DataType.FLOAT32, false);
                    NDArray local = g32.getDevice().equals(first) ? g32 : g32.toDevice(first, false);
                    sum = sum == null ? local : sum.add(local);
                }
                if (sum != null && factor != 1) {
                    // in place: a float32 single-replica gradient is unscaled in its own buffer, as GradScaler does
                    sum.muli(factor);
                }
                out.add(sum);
            }
        }
        return out;
    }

    /**
     * Copies the masters into every replica's parameters that are not the masters themselves (float16 leaves, other
     * devices), and the first replica's buffers into the others.
     */
    public void broadcast(Map<String, NDArray> masters) {
        Map<String, Parameter> firstState = replicas.get(0).task().model().stateTensors();
        for (Replica<T> r : replicas) {
            for (Map.Entry<String, Parameter> e : r.task().model().stateTensors().entrySet()) {
                Parameter p = e.getValue();
                NDArray source = p.kind() == Parameter.Kind.BUFFER ? firstState.get(e.getKey()).array() : masters.get(e.getKey());
                if (source != p.array()) {
                    TensorCopy.copyInto(p.array(), source);
                }
            }
        }
    }

    /** Zeroes the gradients of every replica's parameters. */
    public void zeroGradients() {
        for (Replica<T> r : replicas) {
            for (Parameter p : r.task().model().parameters().values()) {
                if (p.trainable()) {
                    Autograd.zeroGradient(p.array());
                }
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        for (Replica<T> r : replicas) {
            r.root().close();
        }
    }
}
