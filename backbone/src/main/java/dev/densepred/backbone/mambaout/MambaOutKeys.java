package dev.densepred.backbone.mambaout;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two key conventions of MambaOut weights, mapped both ways. Our parameter names are timm's (the hub's
 * {@code model.safetensors}); the official release ({@code yuweihao/MambaOut}) names the same tensors:
 *
 * <pre>
 * timm                                   official
 * stem.*                                 downsample_layers.0.*
 * stages.{i}.downsample.*  (i &gt; 0)        downsample_layers.{i}.*
 * stages.{i}.blocks.{j}.*                stages.{i}.{j}.*
 * head.norm.*              (C, pooled)   norm.*
 * head.pre_logits.fc.*                   head.fc1.*
 * head.pre_logits.norm.*   (4C)          head.norm.*
 * head.fc.*                              head.fc2.*
 * </pre>
 *
 * {@code head.norm} names a different tensor in each convention (timm's is the C-wide norm after pooling, the
 * official one is the 4C-wide norm inside the MLP), so a key alone does not tell its convention: a file is
 * official when any key starts with {@code downsample_layers.} ({@link #isOfficial}), and only then is it mapped.
 * Keys outside these patterns (the dense-prediction {@code outnorm{i}}) are the same in both.
 */
public final class MambaOutKeys {

    private static final Pattern OFFICIAL_DOWNSAMPLE = Pattern.compile("^downsample_layers\\.(\\d+)\\.(.*)$");
    private static final Pattern OFFICIAL_BLOCK = Pattern.compile("^stages\\.(\\d+)\\.(\\d+)\\.(.*)$");
    private static final Pattern TIMM_DOWNSAMPLE = Pattern.compile("^stages\\.(\\d+)\\.downsample\\.(.*)$");
    private static final Pattern TIMM_BLOCK = Pattern.compile("^stages\\.(\\d+)\\.blocks\\.(\\d+)\\.(.*)$");

    private MambaOutKeys() {}

    /** Whether {@code keys} follow the official convention (the stem is {@code downsample_layers.0}). */
    public static boolean isOfficial(Collection<String> keys) {
        return keys.stream().anyMatch(k -> k.startsWith("downsample_layers."));
    }

    /** An official key under its timm name. */
    public static String toTimm(String official) {
        Matcher m = OFFICIAL_DOWNSAMPLE.matcher(official);
        if (m.matches()) {
            return m.group(1).equals("0") ? "stem." + m.group(2) : "stages." + m.group(1) + ".downsample." + m.group(2);
        }
        m = OFFICIAL_BLOCK.matcher(official);
        if (m.matches()) {
            return "stages." + m.group(1) + ".blocks." + m.group(2) + "." + m.group(3);
        }
        if (official.startsWith("norm.")) {
            return "head." + official;
        }
        if (official.startsWith("head.fc1.")) {
            return "head.pre_logits.fc." + official.substring("head.fc1.".length());
        }
        if (official.startsWith("head.norm.")) {
            return "head.pre_logits.norm." + official.substring("head.norm.".length());
        }
        if (official.startsWith("head.fc2.")) {
            return "head.fc." + official.substring("head.fc2.".length());
        }
        return official;
    }

    /** A timm key under its official name. */
    public static String toOfficial(String timm) {
        if (timm.startsWith("stem.")) {
            return "downsample_layers.0." + timm.substring("stem.".length());
        }
        Matcher m = TIMM_DOWNSAMPLE.matcher(timm);
        if (m.matches()) {
            return "downsample_layers." + m.group(1) + "." + m.group(2);
        }
        m = TIMM_BLOCK.matcher(timm);
        if (m.matches()) {
            return "stages." + m.group(1) + "." + m.group(2) + "." + m.group(3);
        }
        if (timm.startsWith("head.norm.")) {
            return timm.substring("head.".length());
        }
        if (timm.startsWith("head.pre_logits.fc.")) {
            return "head.fc1." + timm.substring("head.pre_logits.fc.".length());
        }
        if (timm.startsWith("head.pre_logits.norm.")) {
            return "head.norm." + timm.substring("head.pre_logits.norm.".length());
        }
        if (timm.startsWith("head.fc.")) {
            return "head.fc2." + timm.substring("head.fc.".length());
        }
        return timm;
    }
}
