package dev.densepred.datasets.loader;

import dev.densepred.datasets.SampleException;
import dev.densepred.engine.data.BatchIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrefetchLoaderTest {

    /** What a test sample records: its dataset record and the first draw of its random generator. */
    record Item(int record, long draw) {}

    private static List<Integer> records(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /** A factory whose load time varies with the record, so workers finish out of order. */
    private static SampleFactory<Integer, Item> jittery() {
        return (r, rng) -> {
            LockSupport.parkNanos((r * 7919L % 5) * 300_000L);
            return new Item(r, rng.nextLong());
        };
    }

    private static List<LoadedBatch<Item>> drain(PrefetchLoader<Integer, Item> loader, long seed, int epoch, int start) {
        List<LoadedBatch<Item>> out = new ArrayList<>();
        try (BatchIterator<LoadedBatch<Item>> it = loader.epoch(seed, epoch, start)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void batchesAndRandomnessDoNotDependOnThreadCountOrTiming() {
        List<LoadedBatch<Item>> one = drain(PrefetchLoader.builder(records(40), jittery()).batchSize(3).workers(1).build(), 5, 2, 0);
        List<LoadedBatch<Item>> four = drain(PrefetchLoader.builder(records(40), jittery()).batchSize(3).workers(4).prefetch(5).build(), 5, 2, 0);
        List<LoadedBatch<Item>> otherEpoch = drain(PrefetchLoader.builder(records(40), jittery()).batchSize(3).workers(4).build(), 5, 3, 0);
        assertAll(
                () -> assertEquals(14, one.size()),
                () -> assertEquals(one, four),
                () -> assertTrue(!one.equals(otherEpoch)),
                () -> assertEquals(40, one.stream().mapToInt(b -> b.samples().size()).sum()));
    }

    @Test
    void resumingSkipsEarlierBatchesWithoutLoadingThem() {
        Set<Integer> loaded = ConcurrentHashMap.newKeySet();
        SampleFactory<Integer, Item> f = (r, rng) -> {
            loaded.add(r);
            return new Item(r, rng.nextLong());
        };
        PrefetchLoader<Integer, Item> loader = PrefetchLoader.builder(records(30), f).batchSize(4).workers(2).build();
        List<LoadedBatch<Item>> full = drain(loader, 11, 1, 0);
        loaded.clear();
        List<LoadedBatch<Item>> resumed = drain(loader, 11, 1, 5);
        Set<Integer> expectedLoaded = ConcurrentHashMap.newKeySet();
        resumed.forEach(b -> b.samples().forEach(i -> expectedLoaded.add(i.record())));
        assertAll(
                () -> assertEquals(full.subList(5, full.size()), resumed),
                () -> assertEquals(5, resumed.get(0).index()),
                () -> assertEquals(expectedLoaded, loaded, "loaded samples of skipped batches"),
                () -> assertEquals(0, drain(loader, 11, 1, loader.batchesPerEpoch()).size()));
    }

    @Test
    void badSamplesAreReportedInOrderAndBatchesDeliveredShort() {
        List<SampleFailure> reported = Collections.synchronizedList(new ArrayList<>());
        SampleFactory<Integer, Item> f = (r, rng) -> {
            if (r % 5 == 2) {
                throw new SampleException(Path.of("images", r + ".jpg"), "truncated JPEG");
            }
            return new Item(r, rng.nextLong());
        };
        PrefetchLoader<Integer, Item> loader = PrefetchLoader.builder(records(20), f)
                .batchSize(4).shuffle(false).workers(3).describe(r -> "image " + r).listener(reported::add).build();
        List<LoadedBatch<Item>> batches = drain(loader, 0, 0, 0);
        assertAll(
                () -> assertEquals(5, batches.size()),
                () -> assertEquals(List.of(0, 1, 3), batches.get(0).samples().stream().map(Item::record).toList()),
                () -> assertEquals(1, batches.get(0).skipped()),
                () -> assertEquals(List.of(4, 5, 6), batches.get(1).samples().stream().map(Item::record).toList()),
                () -> assertEquals(4, reported.size()),
                () -> assertEquals(List.of(2, 7, 12, 17), reported.stream().map(SampleFailure::index).toList()),
                () -> assertEquals("image 7", reported.get(1).record()),
                () -> assertEquals(Path.of("images", "7.jpg"), reported.get(1).file()),
                () -> assertEquals(1, reported.get(1).batch()),
                () -> assertTrue(reported.get(1).message().contains("truncated JPEG")),
                () -> assertEquals(4, loader.skippedSamples()));
    }

    @Test
    void allFailingDataEndsTheEpochWithoutBatchesOrHanging() {
        AtomicInteger calls = new AtomicInteger();
        SampleFactory<Integer, Item> f = (r, rng) -> {
            calls.incrementAndGet();
            throw new SampleException(null, "corrupt");
        };
        PrefetchLoader<Integer, Item> loader = PrefetchLoader.builder(records(25), f).batchSize(2).workers(2).prefetch(3)
                .listener(x -> { }).build();
        assertEquals(0, drain(loader, 1, 0, 0).size());
        assertEquals(25, calls.get());
        assertEquals(25, loader.skippedSamples());
        assertNoLoaderThreads();
    }

    @Test
    void aBugInTheFactoryReachesTheConsumerAndStopsTheWorkers() {
        SampleFactory<Integer, Item> f = (r, rng) -> {
            if (r == 9) {
                throw new IllegalStateException("bug in transform");
            }
            return new Item(r, rng.nextLong());
        };
        PrefetchLoader<Integer, Item> loader = PrefetchLoader.builder(records(40), f).batchSize(4).shuffle(false).workers(2).build();
        List<LoadedBatch<Item>> seen = new ArrayList<>();
        LoaderException e;
        try (BatchIterator<LoadedBatch<Item>> it = loader.epoch(0, 0, 0)) {
            e = assertThrows(LoaderException.class, () -> it.forEachRemaining(seen::add));
        }
        assertAll(
                () -> assertEquals(2, seen.size(), "batches before the failing one"),
                () -> assertInstanceOf(IllegalStateException.class, e.getCause()),
                () -> assertTrue(e.getMessage().contains("index 9"), e.getMessage()));
        assertNoLoaderThreads();
    }

    @Test
    void closingMidEpochWithASlowConsumerStopsWorkersPromptly() {
        AtomicInteger loads = new AtomicInteger();
        SampleFactory<Integer, Item> f = (r, rng) -> {
            loads.incrementAndGet();
            return new Item(r, rng.nextLong());
        };
        PrefetchLoader<Integer, Item> loader = PrefetchLoader.builder(records(1000), f).batchSize(2).workers(3).prefetch(6).build();
        BatchIterator<LoadedBatch<Item>> it = loader.epoch(0, 0, 0);
        LoadedBatch<Item> first = it.next();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        long t0 = System.nanoTime();
        it.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertAll(
                () -> assertTrue(closeMillis < 5_000, "close took " + closeMillis + " ms"),
                // The consumer took 2 samples; workers may run at most prefetch = 6 ahead of it.
                () -> assertTrue(loads.get() <= first.samples().size() + 6, "loaded " + loads.get() + " samples"),
                () -> assertFalse(it.hasNext()),
                () -> assertThrows(java.util.NoSuchElementException.class, it::next));
        assertNoLoaderThreads();
    }

    @Test
    void emptyAndFilteredDatasets() {
        PrefetchLoader<Integer, Item> empty = PrefetchLoader.builder(records(0), jittery()).batchSize(2).build();
        assertEquals(0, empty.batchesPerEpoch());
        assertEquals(0, drain(empty, 0, 0, 0).size());

        PrefetchLoader<Integer, Item> odd = PrefetchLoader.builder(records(10), jittery()).keep(r -> r % 2 == 1)
                .batchSize(2).shuffle(false).build();
        assertEquals(5, odd.filteredOut());
        assertEquals(List.of(1, 3, 5, 7, 9), odd.records());
        assertEquals(3, odd.batchesPerEpoch());
        assertEquals(List.of(1, 3), drain(odd, 0, 0, 0).get(0).samples().stream().map(Item::record).toList());
        assertNoLoaderThreads();
    }

    @Test
    void anInterruptedConsumerGetsALoaderException() throws InterruptedException {
        CountDownLatch never = new CountDownLatch(1);
        SampleFactory<Integer, Item> blocked = (r, rng) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Item(r, 0);
        };
        PrefetchLoader<Integer, Item> loader = PrefetchLoader.builder(records(4), blocked).batchSize(2).workers(1).build();
        List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
        Thread consumer = new Thread(() -> {
            try (BatchIterator<LoadedBatch<Item>> it = loader.epoch(0, 0, 0)) {
                it.next();
            } catch (RuntimeException e) {
                thrown.add(e);
            }
        });
        consumer.start();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        consumer.interrupt();
        consumer.join(10_000);
        assertFalse(consumer.isAlive());
        assertEquals(1, thrown.size());
        assertInstanceOf(LoaderException.class, thrown.get(0));
        assertNoLoaderThreads();
    }

    private static void assertNoLoaderThreads() {
        List<String> alive = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("densepred-loader")).map(Thread::getName).toList();
        assertEquals(List.of(), alive, "loader threads still running");
    }
}
