package dev.densepred.tools;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Turns exceptions into one readable line and an exit code. Bad input (config errors, bad arguments, missing
 * files) exits 2; anything else exits 1. {@code --debug} adds the stack trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean debug = parsed.hasMatchedOption("--debug") || hasDebug(parsed);
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        err.println("error: " + msg);
        if (debug) {
            ex.printStackTrace(err);
        } else {
            err.println("hint: run with --debug for the stack trace, or '" + cmd.getCommandName() + " --help' for usage");
        }
        err.flush();
        return isUserError(ex) ? 2 : 1;
    }

    private static boolean hasDebug(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    static boolean isUserError(Throwable ex) {
        return ex instanceof IllegalArgumentException || ex instanceof java.nio.file.NoSuchFileException;
    }

    /** Usage errors: the message, the command's usage, exit 2. */
    static final class Usage implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println("error: " + ex.getMessage());
            err.println("hint: '" + cmd.getCommandSpec().qualifiedName() + " --help' shows the options");
            err.flush();
            return 2;
        }
    }
}
