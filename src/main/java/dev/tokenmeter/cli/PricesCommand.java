package dev.tokenmeter.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter prices list|check|import}: a stub until the pricing branch is merged. */
@Command(name = "prices", mixinStandardHelpOptions = true, description = "Price books: list, check, import (not yet available in this build).")
final class PricesCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "ARGS") java.util.List<String> args;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("tokenmeter prices: not yet available in this build");
    spec.commandLine().getErr().flush();
    return Main.ERROR;
  }
}
