package dev.densepred.tools;

import java.util.Locale;

/** An image size given on the command line as {@code HEIGHTxWIDTH}, e.g. {@code 800x1333}. */
final class HeightWidth {

    private HeightWidth() {}

    /** {@code {height, width}} from {@code value}; an error names {@code option} and the value when it is not two positive integers. */
    static int[] parse(String option, String value) {
        String[] parts = value.toLowerCase(Locale.ROOT).split("x");
        if (parts.length == 2) {
            try {
                int[] hw = {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
                if (hw[0] > 0 && hw[1] > 0) {
                    return hw;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException(option + ": '" + value + "' is not HEIGHTxWIDTH with positive sides, e.g. 800x1333");
    }
}
