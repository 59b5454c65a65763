package dev.densepred.engine.io;

import java.io.Closeable;
import java.io.IOException;

/**
 * One of the layouts {@code torch.save} has written, opened: the unpickled object and the bytes of the storages its
 * tensors refer to by key.
 */
interface TorchFileLayout extends Closeable {

    /** The saved object, as {@link TorchUnpickler} builds it. */
    Object root();

    /** The storage's size in bytes, or -1 when the file holds no storage under {@code key}. */
    long storageBytes(String key);

    /** {@code length} bytes of the storage from byte {@code from}, a range the caller has checked against {@link #storageBytes}. */
    byte[] readStorage(String key, long from, int length) throws IOException;
}
