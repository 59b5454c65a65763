package dev.densepred.tools;

import picocli.CommandLine;

/** The project version from the jar manifest (or "dev" when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"densepred " + (v == null ? "dev" : v)};
    }
}
