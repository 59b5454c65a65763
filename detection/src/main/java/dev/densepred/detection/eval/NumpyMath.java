package dev.densepred.detection.eval;

/**
 * The few numpy behaviours COCOeval's numbers depend on, reproduced bit for bit: {@code np.linspace} (the
 * thresholds), {@code np.mean} of a 1-D float64 array (pairwise summation within each 8192-element buffer, buffers
 * added in order, then one division), and
 * {@code np.argsort(-x, kind='mergesort')} (a stable descending sort where equal values keep their order and
 * {@code -0.0 == 0.0}).
 */
public final class NumpyMath {

    /** numpy's {@code PW_BLOCKSIZE}: below this many elements the sum is an 8-way unrolled loop. */
    private static final int BLOCK = 128;
    /** numpy's default ufunc buffer size ({@code np.getbufsize()}): a reduction sees the array in chunks this long. */
    private static final int BUFSIZE = 8192;

    private NumpyMath() {}

    /**
     * {@code np.linspace(start, stop, num, endpoint=True)}: {@code i * step + start} with {@code step = (stop - start)
     * / (num - 1)}, and the last value exactly {@code stop}.
     */
    public static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        int div = num - 1;
        double step = div > 0 ? (stop - start) / div : Double.NaN;
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        if (num > 1) {
            y[num - 1] = stop;
        }
        if (num == 1) {
            y[0] = start;
        }
        return y;
    }

    /** {@code np.mean(a[0:n])} for a contiguous float64 array: {@link #sum} divided by {@code n}. */
    public static double mean(double[] a, int n) {
        return sum(a, n) / n;
    }

    /**
     * {@code np.add.reduce(a[0:n])} for a contiguous float64 array: the reduction starts from 0 and adds the pairwise
     * sum of each 8192-element buffer in turn.
     */
    public static double sum(double[] a, int n) {
        double acc = 0;
        for (int from = 0; from < n; from += BUFSIZE) {
            acc += pairwiseSum(a, from, Math.min(BUFSIZE, n - from));
        }
        return acc;
    }

    /** numpy's {@code pairwise_sum} for doubles over {@code a[from, from + n)}. */
    public static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= BLOCK) {
            double r0 = a[from];
            double r1 = a[from + 1];
            double r2 = a[from + 2];
            double r3 = a[from + 3];
            double r4 = a[from + 4];
            double r5 = a[from + 5];
            double r6 = a[from + 6];
            double r7 = a[from + 7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                int p = from + i;
                r0 += a[p];
                r1 += a[p + 1];
                r2 += a[p + 2];
                r3 += a[p + 3];
                r4 += a[p + 4];
                r5 += a[p + 5];
                r6 += a[p + 6];
                r7 += a[p + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }

    /**
     * {@code np.argsort(-keys[idx], kind='mergesort')} applied to {@code idx[from, to)} in place: descending by key,
     * ties in their current order. Keys are compared with {@code <}, so {@code -0.0} and {@code 0.0} tie as in numpy.
     *
     * @param tmp scratch of at least {@code to} elements
     */
    public static void argsortDescendingStable(int[] idx, int from, int to, double[] keys, int[] tmp) {
        if (to - from < 2) {
            return;
        }
        if (to - from <= 16) {
            // Insertion sort: stable, and fast for the short runs per image and category.
            for (int i = from + 1; i < to; i++) {
                int v = idx[i];
                double kv = keys[v];
                int j = i - 1;
                while (j >= from && keys[idx[j]] < kv) {
                    idx[j + 1] = idx[j];
                    j--;
                }
                idx[j + 1] = v;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        argsortDescendingStable(idx, from, mid, keys, tmp);
        argsortDescendingStable(idx, mid, to, keys, tmp);
        if (!(keys[idx[mid - 1]] < keys[idx[mid]])) {
            return;
        }
        System.arraycopy(idx, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        for (int k = from; k < to; k++) {
            // Take from the right only when it is strictly larger, so ties keep their order.
            if (j >= to || (i < mid && !(keys[tmp[i]] < keys[tmp[j]]))) {
                idx[k] = tmp[i++];
            } else {
                idx[k] = tmp[j++];
            }
        }
    }
}
