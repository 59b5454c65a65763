package dev.densepred.datasets.loader;

import dev.densepred.datasets.SampleException;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.data.BatchSource;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A multi-threaded prefetching loader (the role of torch's {@code DataLoader} with workers): worker threads load
 * samples ahead of the consumer through a {@link SampleFactory}, and batches come out in the batch sampler's order
 * whatever the thread timing.
 *
 * <ul>
 *   <li>Determinism: sample {@code i} of epoch {@code e} gets a random generator seeded from {@code (seed, e, i)},
 *       so its augmentation does not depend on which thread loads it or when.</li>
 *   <li>Resume: {@code epoch(seed, e, start)} asks the sampler for the epoch's batches and drops the first
 *       {@code start} without loading them.</li>
 *   <li>Bad data: a {@link SampleException} skips the sample, counts it and tells the {@link LoaderListener}; the
 *       batch is delivered short ({@link LoadedBatch#skipped()}), never refilled from later samples, so batch
 *       {@code k} holds the same samples in a resumed run. A batch whose samples all failed is not delivered.</li>
 *   <li>Bugs: any other exception from the factory stops the epoch and is rethrown to the consumer, wrapped in a
 *       {@link LoaderException}, at the batch that needed the sample.</li>
 *   <li>Memory: at most {@code prefetch} samples are loaded or in flight ahead of the consumer.</li>
 *   <li>Threads: each epoch iterator starts its own daemon workers; {@link BatchIterator#close()} interrupts and
 *       joins them, and the iterator closes itself at the end of the epoch or on an error.</li>
 * </ul>
 *
 * @param <R> the record type
 * @param <S> the sample type
 */
public final class PrefetchLoader<R, S> implements BatchSource<LoadedBatch<S>> {

    private static final long JOIN_MILLIS = 10_000;

    private final List<R> records;
    private final int filteredOut;
    private final SampleFactory<R, S> factory;
    private final BatchSampler sampler;
    private final int workers;
    private final int prefetch;
    private final Function<? super R, String> describe;
    private final LoaderListener listener;
    private final AtomicLong skipped = new AtomicLong();

    private PrefetchLoader(Builder<R, S> b) {
        List<R> kept = new ArrayList<>(b.records.size());
        for (R r : b.records) {
            if (b.keep.test(r)) {
                kept.add(r);
            }
        }
        this.records = List.copyOf(kept);
        this.filteredOut = b.records.size() - kept.size();
        this.factory = b.factory;
        this.sampler = b.batches != null ? b.batches.apply(records)
                : new FixedSizeBatchSampler(new Sampler(records.size(), b.shuffle), b.batchSize, b.dropLast);
        this.workers = b.workers;
        this.prefetch = b.prefetch > 0 ? b.prefetch : 4 * b.workers;
        this.describe = b.describe;
        this.listener = b.listener;
    }

    /** A builder over {@code records}, loaded by {@code factory}. */
    public static <R, S> Builder<R, S> builder(List<R> records, SampleFactory<R, S> factory) {
        return new Builder<>(records, factory);
    }

    /** The records that passed the filter, indexed as the samplers see them. */
    public List<R> records() {
        return records;
    }

    /** How many records the filter removed. */
    public int filteredOut() {
        return filteredOut;
    }

    /** Samples skipped as bad data so far, over all epochs. */
    public long skippedSamples() {
        return skipped.get();
    }

    @Override
    public int batchesPerEpoch() {
        return sampler.batchesPerEpoch();
    }

    @Override
    public BatchIterator<LoadedBatch<S>> epoch(long seed, int epoch, int start) {
        List<int[]> batches = sampler.batches(seed, epoch);
        if (start < 0 || start > batches.size()) {
            throw new IllegalArgumentException("start batch " + start + " outside 0.." + batches.size());
        }
        return new EpochIterator(seed, epoch, start, batches.subList(start, batches.size()));
    }

    /** What a worker made of one position: a sample, bad data, or a bug. */
    private record Outcome(Object sample, SampleException bad, Throwable bug) {}

    private final class EpochIterator implements BatchIterator<LoadedBatch<S>> {

        private final long seed;
        private final int epoch;
        private final int firstBatch;
        private final List<int[]> batches;
        /** Dataset index of each position, batches laid end to end. */
        private final int[] positions;
        private final Outcome[] slots;
        private final Semaphore permits;
        private final AtomicInteger nextClaim = new AtomicInteger();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition filled = lock.newCondition();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean closed;
        private volatile Throwable workerDeath;
        private int nextBatch;
        private int nextPosition;
        private LoadedBatch<S> pending;

        EpochIterator(long seed, int epoch, int firstBatch, List<int[]> batches) {
            this.seed = seed;
            this.epoch = epoch;
            this.firstBatch = firstBatch;
            this.batches = batches;
            int total = 0;
            for (int[] b : batches) {
                total += b.length;
            }
            positions = new int[total];
            int p = 0;
            for (int[] b : batches) {
                System.arraycopy(b, 0, positions, p, b.length);
                p += b.length;
            }
            int capacity = Math.max(1, Math.min(prefetch, total));
            slots = new Outcome[capacity];
            permits = new Semaphore(capacity);
            for (int i = 0; i < Math.min(workers, total); i++) {
                Thread t = new Thread(this::work, "densepred-loader-e" + epoch + "-" + i);
                t.setDaemon(true);
                threads.add(t);
            }
            threads.forEach(Thread::start);
        }

        private void work() {
            try {
                while (!closed) {
                    permits.acquire();
                    int p = nextClaim.getAndIncrement();
                    if (p >= positions.length || closed) {
                        permits.release();
                        return;
                    }
                    Outcome o = load(positions[p]);
                    lock.lock();
                    try {
                        slots[p % slots.length] = o;
                        filled.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    if (o.bug() != null) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // close() interrupts idle workers; nothing is lost.
            } catch (Throwable t) {
                // Not from the factory (load() catches those): record it so the consumer never waits forever.
                workerDeath = t;
                lock.lock();
                try {
                    filled.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        private Outcome load(int index) {
            R record = records.get(index);
            try {
                S s = factory.load(record, new SplittableRandom(Seeds.mix(seed, epoch, index)));
                if (s == null) {
                    return new Outcome(null, null, new NullPointerException("the sample factory returned null"));
                }
                return new Outcome(s, null, null);
            } catch (SampleException e) {
                return new Outcome(null, e, null);
            } catch (Throwable t) {
                return new Outcome(null, null, t);
            }
        }

        /** Waits for position {@code p}, frees its slot and lets a worker claim a further position. */
        private Outcome take(int p) {
            Outcome o;
            lock.lock();
            try {
                while ((o = slots[p % slots.length]) == null) {
                    if (closed) {
                        throw new IllegalStateException("the epoch iterator was closed");
                    }
                    if (workerDeath != null) {
                        throw new LoaderException("a loader worker died", workerDeath);
                    }
                    filled.await();
                }
                slots[p % slots.length] = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LoaderException("interrupted while waiting for sample " + p + " of epoch " + epoch, e);
            } finally {
                lock.unlock();
            }
            permits.release();
            return o;
        }

        @Override
        public boolean hasNext() {
            if (pending != null) {
                return true;
            }
            if (closed) {
                return false;
            }
            try {
                while (nextBatch < batches.size()) {
                    int[] batch = batches.get(nextBatch);
                    int index = firstBatch + nextBatch;
                    nextBatch++;
                    List<S> ok = new ArrayList<>(batch.length);
                    int bad = 0;
                    for (int i = 0; i < batch.length; i++) {
                        Outcome o = take(nextPosition++);
                        if (o.bug() != null) {
                            throw new LoaderException("loading " + describe.apply(records.get(batch[i])) + " (index "
                                    + batch[i] + ", epoch " + epoch + ", batch " + index + ") failed: " + o.bug(), o.bug());
                        }
                        if (o.bad() != null) {
                            bad++;
                            skipped.incrementAndGet();
                            listener.sampleSkipped(new SampleFailure(epoch, index, batch[i],
                                    describe.apply(records.get(batch[i])), o.bad().file().orElse(null), o.bad().getMessage()));
                        } else {
                            @SuppressWarnings("unchecked")
                            S s = (S) o.sample();
                            ok.add(s);
                        }
                    }
                    if (!ok.isEmpty()) {
                        pending = new LoadedBatch<>(epoch, index, ok, bad);
                        return true;
                    }
                }
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
            close();
            return false;
        }

        @Override
        public LoadedBatch<S> next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has no more batches");
            }
            LoadedBatch<S> b = pending;
            pending = null;
            return b;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (Thread t : threads) {
                t.interrupt();
            }
            lock.lock();
            try {
                filled.signalAll();
            } finally {
                lock.unlock();
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
            // An interrupted consumer still waits for the workers: clear the flag for the joins, restore it after.
            boolean interrupted = Thread.interrupted();
            for (Thread t : threads) {
                if (t == Thread.currentThread()) {
                    continue;
                }
                long left;
                while (t.isAlive() && (left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) > 0) {
                    try {
                        t.join(left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Settings of a {@link PrefetchLoader}. Either {@link #batchSize} (with {@link #shuffle} and {@link #dropLast})
     * for plain batches, or {@link #batches} for a custom {@link BatchSampler} such as
     * {@link AspectRatioBatchSampler}.
     */
    public static final class Builder<R, S> {
        private final List<R> records;
        private final SampleFactory<R, S> factory;
        private Predicate<? super R> keep = r -> true;
        private Function<List<R>, BatchSampler> batches;
        private int batchSize = 1;
        private boolean shuffle = true;
        private boolean dropLast;
        private int workers = 2;
        private int prefetch;
        private Function<? super R, String> describe = String::valueOf;
        private LoaderListener listener = LoaderListener.logging();

        private Builder(List<R> records, SampleFactory<R, S> factory) {
            this.records = List.copyOf(records);
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /** Keeps only records passing {@code keep} (e.g. images with annotations and both sides >= 32 px). */
        public Builder<R, S> keep(Predicate<? super R> keep) {
            this.keep = Objects.requireNonNull(keep);
            return this;
        }

        /** A batch sampler built over the kept records (index {@code i} is {@code kept.get(i)}). */
        public Builder<R, S> batches(Function<List<R>, BatchSampler> batches) {
            this.batches = Objects.requireNonNull(batches);
            return this;
        }

        public Builder<R, S> batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Shuffle each epoch (default true) when {@link #batches} is not set. */
        public Builder<R, S> shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder<R, S> dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Number of worker threads (default 2). */
        public Builder<R, S> workers(int workers) {
            if (workers <= 0) {
                throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** How many samples may be loaded ahead of the consumer (default 4 per worker). */
        public Builder<R, S> prefetch(int samples) {
            if (samples <= 0) {
                throw new IllegalArgumentException("prefetch must be >= 1, got " + samples);
            }
            this.prefetch = samples;
            return this;
        }

        /** How a record is named in failure reports (default {@code toString}); say the id and the file. */
        public Builder<R, S> describe(Function<? super R, String> describe) {
            this.describe = Objects.requireNonNull(describe);
            return this;
        }

        /** Who hears about skipped samples (default: {@link LoaderListener#logging()}). */
        public Builder<R, S> listener(LoaderListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public PrefetchLoader<R, S> build() {
            return new PrefetchLoader<>(this);
        }
    }
}
