package dev.densepred.engine.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An indexed list of children named {@code 0, 1, ...}, as {@code nn.ModuleList}/{@code nn.Sequential} name them in
 * state dicts. It has no forward of its own: the owner iterates {@link #items()} with their typed forwards.
 *
 * @param <M> the children's type
 */
public final class Sequential<M extends Module> extends Module {

    private final List<M> items = new ArrayList<>();

    /** Appends {@code m} under the next index and returns it. */
    public M add(M m) {
        addChild(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    /** Child {@code i}. */
    public M get(int i) {
        return items.get(i);
    }

    /** Number of children. */
    public int size() {
        return items.size();
    }

    /** The children in order. */
    public List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
