package dev.densepred.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code densepred} command line. Each command is a class of its own in this package, registered in
 * {@link #commandLine()}; errors print one line plus a hint, with the stack trace only under {@code --debug}.
 *
 * <p>Exit codes: 0 success, 1 failure while running, 2 bad usage or config.
 */
@Command(
        name = "densepred",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Train and evaluate dense-prediction models (MambaOut, Mask R-CNN, UperNet) on DJL + PyTorch.",
        footer = {"", "Run 'densepred COMMAND --help' for a command's options and examples."})
public final class Main implements Runnable {

    @Option(names = "--debug", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** The command tree; tests call it to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(new DemoCommand());
        cli.addSubcommand(new EnvCommand());
        cli.addSubcommand(new TrainCommand());
        cli.addSubcommand(new TestCommand());
        cli.addSubcommand(new InferCommand());
        cli.addSubcommand(new BrowseCommand());
        cli.addSubcommand(new PlotCommand());
        cli.addSubcommand(new BenchmarkCommand());
        cli.addSubcommand(new EvalCocoCommand());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setParameterExceptionHandler(new ErrorHandler.Usage());
        return cli;
    }

    public static void main(String[] args) {
        // The native library ships in the jar set; never try to download one.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(commandLine().execute(args));
    }
}
