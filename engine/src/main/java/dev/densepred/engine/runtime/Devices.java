package dev.densepred.engine.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses device names from configs and the command line ({@code cpu}, {@code gpu}, {@code gpu:1}, {@code cuda:0}). */
public final class Devices {

    private Devices() {}

    /**
     * The device named {@code spec}. {@code gpu}/{@code cuda} without an index is GPU 0. Asking for a GPU that the
     * engine does not see is an error that lists the devices it does see.
     */
    public static Device parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        String kind = s;
        int index = 0;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            kind = s.substring(0, colon);
            try {
                index = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("device '" + spec + "': the index after ':' must be a number (e.g. gpu:0)");
            }
        }
        if (!kind.equals("gpu") && !kind.equals("cuda")) {
            throw new IllegalArgumentException("unknown device '" + spec + "' (use cpu, gpu, gpu:N)");
        }
        int gpus = Engine.getInstance().getGpuCount();
        if (index < 0 || index >= gpus) {
            throw new IllegalArgumentException(
                    "device '" + spec + "' is not available: the engine sees " + available());
        }
        return Device.gpu(index);
    }

    /** Parses a comma-separated list, e.g. {@code gpu:0,gpu:1} for data parallel training. */
    public static List<Device> parseList(String specs) {
        List<Device> out = new ArrayList<>();
        for (String s : specs.split(",")) {
            if (!s.isBlank()) {
                out.add(parse(s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no device given in '" + specs + "'");
        }
        return out;
    }

    /** The devices the engine sees, e.g. {@code [cpu(), gpu(0)]}, as a readable list. */
    public static String available() {
        StringBuilder sb = new StringBuilder("cpu");
        int gpus = Engine.getInstance().getGpuCount();
        for (int i = 0; i < gpus; i++) {
            sb.append(", gpu:").append(i);
        }
        return sb.toString();
    }

    /** The name {@link #parse} reads back. */
    public static String name(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }
}
