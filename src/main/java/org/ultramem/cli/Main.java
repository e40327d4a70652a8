package org.ultramem.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.ultramem.io.MemoryBudget;
import org.ultramem.io.MemoryBudgetException;
import org.ultramem.io.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ultramem} command line: one picocli command class per verb. */
@Command(name = "ultramem", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Train, evaluate, sample and benchmark UltraMem, PKM, MoE and dense language models on CPU.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            return outOfMemory(cl, e);
        }
    }

    /**
     * Sizes are checked against the heap before allocating (MemoryBudget); this backstop keeps an
     * estimate that fell short from ending in a stack trace: one line and exit 2.
     */
    static int outOfMemory(CommandLine cl, OutOfMemoryError e) {
        cl.getErr().println("ultramem: ran out of Java heap (max "
                + MemoryBudget.human(Runtime.getRuntime().maxMemory()) + "): " + e.getMessage()
                + "; use smaller sizes or raise the heap: " + MemoryBudget.JAVA_OPTS + "=-Xmx<N>g");
        cl.getErr().flush();
        return 2;
    }

    /** The configured picocli command tree. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        Commands.register(cl);
        cl.setExecutionExceptionHandler(Main::handle);
        return cl;
    }

    /** Errors a user can fix get one clear line; anything else is a bug and keeps its stack trace. */
    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (isUserError(e)) {
            cl.getErr().println("ultramem " + cl.getCommandName() + ": " + message(e));
            return 2;
        }
        cl.getErr().println("ultramem " + cl.getCommandName() + ": internal error (please report it):");
        e.printStackTrace(cl.getErr());
        return 70;
    }

    static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException
                || e instanceof IOException
                || e instanceof UncheckedIOException
                || e instanceof MemoryBudgetException
                || e.getClass().getSimpleName().endsWith("ConfigException")
                || e.getClass().getSimpleName().equals("DataException")
                || e.getClass().getSimpleName().equals("TrainingDivergedException");
    }

    private static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            e = u.getCause();
        }
        if (e instanceof NoSuchFileException nf) {
            return "file not found: " + nf.getFile();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Reports the version from the jar manifest (or "dev" when run from classes) and the build commit. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ultramem " + Provenance.version() + " (commit " + Provenance.buildCommit()
                    + ", Java " + Runtime.version() + ")"};
        }
    }
}
