package org.ultramem.cli;

import picocli.CommandLine;

/** The one place where verbs are attached to the {@code ultramem} command. */
final class Commands {

    private Commands() {
    }

    static void register(CommandLine cl) {
        cl.addSubcommand(new DemoCommand());
        cl.addSubcommand(new DataCommand());
        cl.addSubcommand(new TrainCommand());
        cl.addSubcommand(new EvalCommand());
        cl.addSubcommand(new GenerateCommand());
        cl.addSubcommand(new ServeCommand());
        cl.addSubcommand(new BenchCommand());
        cl.addSubcommand(new InspectCommand());
        cl.addSubcommand(new ExperimentCommand());
        cl.addSubcommand(new VerifyGoldenCommand());
        cl.addSubcommand(new FuzzCommand());
        cl.addSubcommand(new ClusterCommand());
    }
}
