package dev.densepred.engine.io;

import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * The element types of the safetensors format that DJL can hold, with their on-disk names and widths.
 *
 * <p>The two 8-bit float formats of the spec ({@code F8_E4M3}, {@code F8_E5M2}) have no DJL type and are refused
 * with a message naming them.
 */
public enum TensorDType {
    BOOL("BOOL", 1, DataType.BOOLEAN),
    U8("U8", 1, DataType.UINT8),
    I8("I8", 1, DataType.INT8),
    I16("I16", 2, DataType.INT16),
    U16("U16", 2, DataType.UINT16),
    F16("F16", 2, DataType.FLOAT16),
    BF16("BF16", 2, DataType.BFLOAT16),
    I32("I32", 4, DataType.INT32),
    U32("U32", 4, DataType.UINT32),
    F32("F32", 4, DataType.FLOAT32),
    F64("F64", 8, DataType.FLOAT64),
    I64("I64", 8, DataType.INT64),
    U64("U64", 8, DataType.UINT64);

    private final String code;
    private final int bytes;
    private final DataType dataType;

    TensorDType(String code, int bytes, DataType dataType) {
        this.code = code;
        this.bytes = bytes;
        this.dataType = dataType;
    }

    /** The name written in a safetensors header, e.g. {@code "F32"}. */
    public String code() {
        return code;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The matching DJL type. */
    public DataType dataType() {
        return dataType;
    }

    /** Parses a header dtype; throws with the list of known names for anything else. */
    public static TensorDType fromCode(String code) {
        for (TensorDType t : values()) {
            if (t.code.equals(code)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + code + "' (known: " + knownCodes() + ")");
    }

    /** The safetensors type of a DJL type; throws for types the format cannot hold (string, complex). */
    public static TensorDType of(DataType dataType) {
        for (TensorDType t : values()) {
            if (t.dataType == dataType) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "safetensors cannot store DJL type " + dataType.name().toLowerCase(Locale.ROOT));
    }

    static String knownCodes() {
        StringBuilder sb = new StringBuilder();
        for (TensorDType t : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(t.code);
        }
        return sb.toString();
    }
}
