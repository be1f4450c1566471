package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in-process with captured stdout and stderr. */
final class Cli {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  int exit = -1;

  static Cli run(Map<String, String> env, String... args) {
    Cli c = new Cli();
    CommandLine cl = Main.commandLine(env);
    cl.setOut(new PrintWriter(c.out, true));
    cl.setErr(new PrintWriter(c.err, true));
    c.exit = cl.execute(args);
    return c;
  }

  static Cli run(String... args) {
    return run(Map.of(), args);
  }

  String out() {
    return out.toString();
  }

  String err() {
    return err.toString();
  }
}
