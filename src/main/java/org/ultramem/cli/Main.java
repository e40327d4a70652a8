package org.ultramem.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.ultramem.io.MemoryBudget;
import org.ultramem.io.MemoryBudgetException;
import java.nio.file.NotDirectoryException;
import org.ultramem.io.Provenance;
import org.ultramem.tensor.kernel.ThreadsSetting;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ultramem} command line: one picocli command class per verb. */
@Command(name = "ultramem", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Train, evaluate, sample and benchmark UltraMem, PKM, MoE and dense language models on CPU.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Longest error message printed; longer ones (a 10,000-character config value) are cut. */
    private static final int MAX_MESSAGE = 2000;

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
            return execute(cl, args);
        } catch (OutOfMemoryError e) {
            return outOfMemory(cl, e);
        }
    }

    /** Runs {@code args} on {@code cl}, refusing a bad thread count first in one line (exit 2). */
    static int execute(CommandLine cl, String... args) {
        try {
            ThreadsSetting.configured();
        } catch (IllegalArgumentException e) {
            cl.getErr().println("ultramem: " + e.getMessage());
            cl.getErr().flush();
            return 2;
        }
        return cl.execute(args);
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

    /**
     * The user-facing text of a user error, on one line: file-system exceptions that carry only
     * a path say what went wrong with it, and control characters (a newline inside a tensor name
     * or a config value) are escaped so the error stays the single line scripts expect.
     */
    static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            e = u.getCause();
        }
        String m;
        if (e instanceof FileSystemException fs && fs.getReason() == null) {
            m = fileProblem(fs) + ": " + fs.getFile()
                    + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "");
        } else {
            m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return oneLine(m);
    }

    private static String fileProblem(FileSystemException e) {
        return switch (e) {
            case NoSuchFileException x -> "file not found";
            case AccessDeniedException x -> "permission denied";
            case NotDirectoryException x -> "not a directory";
            case FileAlreadyExistsException x -> "already exists";
            case DirectoryNotEmptyException x -> "directory not empty";
            default -> "cannot access the file (" + e.getClass().getSimpleName() + ")";
        };
    }

    /** Escapes control characters and caps the length, so a message is one readable line. */
    static String oneLine(String m) {
        StringBuilder sb = new StringBuilder(Math.min(m.length(), MAX_MESSAGE + 16));
        for (int i = 0; i < m.length() && sb.length() < MAX_MESSAGE; i++) {
            char c = m.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (sb.length() >= MAX_MESSAGE) {
            sb.setLength(MAX_MESSAGE);
            sb.append("... (").append(m.length()).append(" characters)");
        }
        return sb.toString();
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
