package dev.densepred.engine.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Key spelling: Java component names to config keys, and "did you mean" suggestions. */
public final class Names {

    private Names() {}

    /** {@code dropPathRate -> drop_path_rate}; digits stay attached to the preceding word. */
    public static String toSnake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Up to three of {@code candidates} closest to {@code key} by edit distance, closest first. */
    public static List<String> closest(String key, Collection<String> candidates) {
        List<String> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingInt((String c) -> distance(key, c)).thenComparing(c -> c));
        List<String> out = new ArrayList<>();
        int limit = Math.max(2, key.length() / 2);
        for (String c : sorted) {
            // A typo (small edit distance) or a word added or dropped (one name contains the other).
            boolean contained = Math.min(c.length(), key.length()) >= 2 && (key.contains(c) || c.contains(key));
            if (out.size() < 3 && (distance(key, c) <= limit || contained)) {
                out.add(c);
            }
        }
        return out;
    }

    /** A hint like {@code " (did you mean 'lr'?)"}, or empty when nothing is close. */
    public static String didYouMean(String key, Collection<String> candidates) {
        List<String> c = closest(key, candidates);
        if (c.isEmpty()) {
            return "";
        }
        return " (did you mean " + String.join(" or ", c.stream().map(s -> "'" + s + "'").toList()) + "?)";
    }

    /** Levenshtein distance with adjacent transpositions counted as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
