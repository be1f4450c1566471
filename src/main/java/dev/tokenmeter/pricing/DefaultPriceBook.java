package dev.tokenmeter.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The price book bundled with tokenmeter ({@code default-prices.yaml} beside this class): current
 * Anthropic, OpenAI and Google models, with the date its prices were checked. A user's file
 * overrides it model by model: {@code DefaultPriceBook.load().overriddenBy(userBook)}.
 */
public final class DefaultPriceBook {

  static final String RESOURCE = "default-prices.yaml";

  private DefaultPriceBook() {}

  /** The bundled book, parsed once. */
  public static PriceBook load() {
    return Holder.BOOK;
  }

  /** The bundled book with {@code user} laid over it model by model. */
  public static PriceBook withOverrides(PriceBook user) {
    return load().overriddenBy(user);
  }

  private static final class Holder {
    static final PriceBook BOOK = parse();

    private static PriceBook parse() {
      try (InputStream in = DefaultPriceBook.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("bundled price book " + RESOURCE + " is missing");
        }
        String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        // A broken bundled book is a build defect: PriceFileException says where.
        return NativePriceFile.parse(yaml, "bundled " + RESOURCE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
