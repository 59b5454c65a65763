package dev.densepred.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A network that turns images into feature maps at several strides, for a detection or segmentation neck
 * (mmdetection's backbone contract: {@code forward} returns a tuple of maps for {@code out_indices}).
 *
 * <p>Usage: build one from a config through {@link BackboneRegistry}, {@link #initialize} it in the model's
 * manager (that is the from-scratch initialisation), then {@link #loadPretrained} a checkpoint, usually
 * {@link #pretrained()}. {@link #featureInfo()} is known right after construction.
 */
public abstract class Backbone extends Module {

    private final String pretrained;
    private List<FeatureInfo> featureInfo;

    /** @param pretrained the checkpoint named by the config, or null */
    protected Backbone(String pretrained) {
        this.pretrained = pretrained;
    }

    /** Channels, stride and producing module of each map {@link #forward} returns, in the same order. */
    public final List<FeatureInfo> featureInfo() {
        if (featureInfo == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " did not declare its outputs in its constructor");
        }
        return featureInfo;
    }

    /** Called by each backbone's constructor: its outputs, checked by {@link FeatureInfo#checkLevels}. */
    protected final void declareFeatures(List<FeatureInfo> levels) {
        featureInfo = FeatureInfo.checkLevels(levels);
    }

    /** {@code [N, C_in, H, W]} images to one {@code [N, C_i, H / s_i, W / s_i]} map per {@link #featureInfo()} entry. */
    public abstract List<NDArray> forward(NDArray images);

    /**
     * Loads pretrained weights from a safetensors or {@code .pth} file into the initialised network. Every key must
     * match in name and shape, except the ones dense prediction adds or drops, which the report lists.
     *
     * @throws IllegalArgumentException listing every missing, unexpected and wrongly shaped key
     * @throws IOException if the file cannot be read
     */
    public abstract LoadReport loadPretrained(Path file) throws IOException;

    /**
     * {@code images} if it is {@code [N, channels, H, W]}; otherwise an error naming the backbone and the shape it got.
     */
    protected static NDArray checkImages(String backbone, NDArray images, long channels) {
        if (images.getShape().dimension() != 4 || images.getShape().get(1) != channels) {
            throw new IllegalArgumentException(backbone + " expects images [N, " + channels + ", H, W], got " + images.getShape());
        }
        return images;
    }

    /** The checkpoint the config names ({@code pretrained} key), if any. */
    public final Optional<Path> pretrained() {
        return Optional.ofNullable(pretrained).map(Path::of);
    }

    /**
     * The strict loading shared by backbones: maps each file key to a network name with {@code toNetworkName}, checks
     * names and shapes, and copies the tensors in the dtype each parameter currently has (float16 under mixed
     * precision). Names for which {@code optional} holds may be absent from either side.
     */
    protected final LoadReport loadStateDict(
            Checkpoint ckpt, String naming, UnaryOperator<String> toNetworkName, Predicate<String> optional) throws IOException {
        Map<String, Parameter> own = stateTensors();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        Map<String, String> fileKeyOf = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, long[]> e : ckpt.shapes().entrySet()) {
            String name = toNetworkName.apply(e.getKey());
            Parameter p = own.get(name);
            if (p == null) {
                (optional.test(name) ? dropped : unexpected).add(e.getKey());
            } else if (!seen.add(name)) {
                unexpected.add(e.getKey() + " (names " + name + " a second time)");
            } else if (!p.shape().equals(new Shape(e.getValue()))) {
                misshaped.add(e.getKey() + " (network " + name + " " + p.shape() + ", file " + new Shape(e.getValue()) + ")");
            } else {
                fileKeyOf.put(name, e.getKey());
            }
        }
        for (String name : own.keySet()) {
            if (!seen.contains(name)) {
                (optional.test(name) ? fresh : missing).add(name);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshaped.isEmpty()) {
            StringBuilder sb = new StringBuilder(ckpt.file() + ": weights do not fit " + getClass().getSimpleName()
                    + " (read as " + naming + " names)");
            appendList(sb, "missing from the file", missing);
            appendList(sb, "in the file but not in the network", unexpected);
            appendList(sb, "wrongly shaped", misshaped);
            throw new IllegalArgumentException(sb.toString());
        }
        for (Map.Entry<String, String> e : fileKeyOf.entrySet()) {
            Parameter p = own.get(e.getKey());
            NDArray current = p.array();
            NDManager manager = current.getManager();
            NDArray loaded = ckpt.load(e.getValue(), manager);
            if (loaded.getDataType() != current.getDataType()) {
                NDArray cast = loaded.toType(current.getDataType(), false);
                loaded.close();
                loaded = cast;
            }
            p.replace(loaded);
        }
        return new LoadReport(ckpt.file(), naming, fileKeyOf.size(), dropped, fresh);
    }

    private static void appendList(StringBuilder sb, String what, List<String> names) {
        if (!names.isEmpty()) {
            sb.append("\n  ").append(names.size()).append(' ').append(what).append(": ").append(String.join(", ", names));
        }
    }
}
