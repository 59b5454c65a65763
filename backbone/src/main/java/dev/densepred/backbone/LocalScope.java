package dev.densepred.backbone;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.runtime.Scope;

import java.util.function.UnaryOperator;

/**
 * Frees a layer's temporaries as soon as the layer returns. DJL keeps every array an op makes until its manager
 * closes, so without this a whole forward pass would hold every intermediate at once (PyTorch frees each when its
 * last use ends); the extra memory costs page faults and time as well as space.
 */
public final class LocalScope {

    private LocalScope() {}

    /**
     * Runs {@code body} on {@code x} inside a child manager: {@code x} joins it for the duration (so results of ops
     * with {@code x} first land there too) and goes back afterwards; only the returned array, which must be a new
     * one, survives in {@code x}'s manager. Closing a temporary only drops our handle: tensors autograd saved stay.
     */
    public static NDArray run(NDArray x, UnaryOperator<NDArray> body) {
        try (Scope scope = Scope.open(x.getManager())) {
            x.tempAttach(scope.manager());
            NDArray out = body.apply(x);
            if (out == x) {
                throw new IllegalStateException("a scoped layer must return a new array, not its input");
            }
            return scope.keep(out);
        }
    }
}
