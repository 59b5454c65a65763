package dev.densepred.datasets.coco;

import java.util.Arrays;

/**
 * Maps ids (image, annotation or category ids, which COCO never numbers contiguously) to positions, without boxing:
 * the ids sorted once, then a binary search per lookup.
 */
public final class IdIndex {

    private final long[] sortedIds;
    private final int[] positions;

    private IdIndex(long[] sortedIds, int[] positions) {
        this.sortedIds = sortedIds;
        this.positions = positions;
    }

    /**
     * Indexes {@code ids[0, n)} by position.
     *
     * @throws IllegalArgumentException naming the repeated id and both positions when an id appears twice
     */
    public static IdIndex of(long[] ids, int n) {
        int[] order = ascendingOrder(ids, n);
        long[] sorted = new long[n];
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = ids[order[i]];
            pos[i] = order[i];
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                int a = Math.min(pos[i - 1], pos[i]);
                int b = Math.max(pos[i - 1], pos[i]);
                throw new IllegalArgumentException("id " + sorted[i] + " appears twice, at [" + a + "] and [" + b + "]");
            }
        }
        return new IdIndex(sorted, pos);
    }

    /** Position of {@code id}, or -1 when it is absent. */
    public int indexOf(long id) {
        int i = Arrays.binarySearch(sortedIds, id);
        return i < 0 ? -1 : positions[i];
    }

    /** Number of ids. */
    public int size() {
        return sortedIds.length;
    }

    /** Positions {@code 0..n-1} ordered by ascending {@code keys}, equal keys in position order (a stable sort). */
    public static int[] ascendingOrder(long[] keys, int n) {
        int[] order = new int[n];
        int[] tmp = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        mergeSort(keys, order, tmp, 0, n);
        return order;
    }

    // Stable: a repeated id reports its positions in file order, and COCOeval's tie rules rely on file order.
    private static void mergeSort(long[] ids, int[] a, int[] tmp, int from, int to) {
        if (to - from < 2) {
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(ids, a, tmp, from, mid);
        mergeSort(ids, a, tmp, mid, to);
        if (ids[a[mid - 1]] <= ids[a[mid]]) {
            return;
        }
        System.arraycopy(a, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        for (int k = from; k < to; k++) {
            if (j >= to || (i < mid && ids[tmp[i]] <= ids[tmp[j]])) {
                a[k] = tmp[i++];
            } else {
                a[k] = tmp[j++];
            }
        }
    }
}
