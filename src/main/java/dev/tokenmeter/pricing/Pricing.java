package dev.tokenmeter.pricing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The pricing view: holds the current {@link PriceBook}. Every reader (exporters, budgets,
 * status) asks it at read time, so a reload applies everywhere at once.
 */
public final class Pricing {

  private volatile PriceBook book;
  private final List<Consumer<PriceBook>> listeners = new CopyOnWriteArrayList<>();

  public Pricing(PriceBook book) {
    this.book = book;
  }

  public PriceBook book() {
    return book;
  }

  /** Makes {@code next} the current book and tells the listeners. */
  public void update(PriceBook next) {
    if (next == null) {
      throw new IllegalArgumentException("price book must not be null");
    }
    book = next;
    for (Consumer<PriceBook> l : listeners) {
      l.accept(next);
    }
  }

  /** Called after each {@link #update}, on the updating thread. */
  public void onUpdate(Consumer<PriceBook> listener) {
    listeners.add(listener);
  }
}
