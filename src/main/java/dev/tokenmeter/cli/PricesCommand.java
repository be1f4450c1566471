package dev.tokenmeter.cli;

import dev.tokenmeter.pricing.DefaultPriceBook;
import dev.tokenmeter.pricing.LoadResult;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.NativePriceWriter;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.PriceBookLoader;
import dev.tokenmeter.pricing.PriceFileException;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.usage.TokenType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter prices list|check|import}. */
@Command(
    name = "prices",
    mixinStandardHelpOptions = true,
    description = "Price books: list the effective prices, check a price file, import a LiteLLM file.",
    subcommands = {PricesCommand.ListPrices.class, PricesCommand.Check.class, PricesCommand.Import.class})
final class PricesCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return Main.ERROR;
  }

  /** The book in effect: the bundled one, with {@code file} laid over it when given. */
  static PriceBook effective(Path file) throws IOException {
    PriceBook defaults = DefaultPriceBook.load();
    return file == null ? defaults : defaults.overriddenBy(PriceBookLoader.load(file).book());
  }

  static String money(java.math.BigDecimal v) {
    return v.stripTrailingZeros().toPlainString();
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Lists the models and their prices (USD per million tokens) in effect.")
  static final class ListPrices implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--prices", paramLabel = "FILE", description = "price file laid over the bundled book")
    Path prices;

    @Option(names = "--model", paramLabel = "NAME", description = "show only the entry this model name resolves to")
    String model;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PriceBook book = effective(prices);
      List<ModelPrice> rows = new ArrayList<>();
      if (model != null) {
        ModelPrice m = book.find(model);
        if (m == null) {
          spec.commandLine().getErr().println("tokenmeter prices: no price for model '" + model + "': its tokens would be counted as unpriced");
          spec.commandLine().getErr().flush();
          return Main.ERROR;
        }
        rows.add(m);
      } else {
        rows.addAll(book.models());
      }
      out.printf("%-40s %9s %9s %9s %9s %9s  %s%n", "model", "input", "output", "c.read", "c.wr.5m", "c.wr.1h", "long context");
      for (ModelPrice m : rows) {
        Prices p = m.base();
        out.printf("%-40s %9s %9s %9s %9s %9s  %s%n", m.name(), money(p.perMillion(TokenType.INPUT)),
            money(p.perMillion(TokenType.OUTPUT)), money(p.perMillion(TokenType.CACHE_READ)),
            money(p.perMillion(TokenType.CACHE_WRITE_5M)), money(p.perMillion(TokenType.CACHE_WRITE_1H)),
            m.longContext() == null ? "" : "above " + m.longContextAbove() + ": " + m.longContext());
      }
      out.println(book.size() + " models from " + book.source()
          + (book.checkedOn() == null ? "" : ", checked " + book.checkedOn()));
      out.flush();
      return 0;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Checks a price file (native YAML or LiteLLM JSON): exit 0 when it loads, 1 with file, line and field when not.")
  static final class Check implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE") Path file;

    @Option(names = "--verbose", description = "list the skipped entries")
    boolean verbose;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        LoadResult r = PriceBookLoader.load(file);
        out.println(file + ": " + r.format().name().toLowerCase(java.util.Locale.ROOT) + ", " + r.loaded()
            + " models loaded, " + r.skipped() + " entries skipped (no token prices)");
        if (verbose) {
          for (LoadResult.Skipped s : r.skippedEntries()) {
            out.println("  skipped " + s.name() + " (line " + s.line() + "): " + s.reason());
          }
        }
        out.flush();
        return 0;
      } catch (PriceFileException e) {
        err.println(e.getMessage());
      } catch (IOException e) {
        err.println(file + ": cannot read: " + e.getMessage());
      }
      err.flush();
      return Main.ERROR;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Converts a price file (e.g. LiteLLM's JSON) to tokenmeter's native YAML, optionally keeping only matching models.")
  static final class Import implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE") Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here instead of standard output")
    Path output;

    @Option(names = "--match", paramLabel = "REGEX", description = "keep only models whose name matches")
    Pattern match;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        PriceBook book = PriceBookLoader.load(file).book();
        if (match != null) {
          List<ModelPrice> kept = new ArrayList<>();
          for (ModelPrice m : book.models()) {
            if (match.matcher(m.name()).find()) {
              kept.add(m);
            }
          }
          book = PriceBook.of(kept, book.source(), book.checkedOn());
        }
        String yaml = "# imported from " + file.getFileName() + " by tokenmeter prices import\n" + NativePriceWriter.write(book);
        if (output == null) {
          spec.commandLine().getOut().print(yaml);
          spec.commandLine().getOut().flush();
        } else {
          Files.writeString(output, yaml, StandardCharsets.UTF_8);
          err.println("wrote " + book.size() + " models to " + output);
          err.flush();
        }
        return 0;
      } catch (PriceFileException e) {
        err.println(e.getMessage());
      } catch (IOException e) {
        err.println(file + ": cannot read: " + e.getMessage());
      }
      err.flush();
      return Main.ERROR;
    }
  }
}
