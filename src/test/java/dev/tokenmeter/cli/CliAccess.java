package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in-process for the tests in {@code dev.tokenmeter.security}. */
public final class CliAccess {

  private CliAccess() {}

  /** Exit code, stdout and stderr of one command. */
  public record Result(int exit, String out, String err) {}

  public static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(env);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }
}
