package dev.tokenmeter.cli;

import picocli.CommandLine;

/** What the control commands share: reporting a reply. */
final class Commands {

  private Commands() {}

  /** Prints {@code ok} for a 200, else the server's message on stderr; returns the exit code. */
  static int report(CommandLine.Model.CommandSpec spec, ApiClient.Reply r, String ok) {
    if (r.status == 200) {
      spec.commandLine().getOut().println(ok);
      spec.commandLine().getOut().flush();
      return 0;
    }
    spec.commandLine().getErr().println("tokenmeter: " + r.error());
    spec.commandLine().getErr().flush();
    return Main.ERROR;
  }
}
