package dev.tokenmeter;

import dev.tokenmeter.budget.BudgetAccount;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.usage.Ledger;
import dev.tokenmeter.usage.Series;

/**
 * A pre-bound recorder for one (run, subagent, model): recording through it skips every lookup.
 * Get one from {@link TokenMeter#handle}; it stays valid for the life of the run.
 *
 * <p>{@link #record} never throws: bad counts are rejected and counted, failures are counted and
 * logged.
 */
public final class UsageHandle {

  final TokenMeter meter;
  final RunState run;
  final String subagent;
  final String model;
  final Series series;
  final BudgetAccount subagentAccount;
  final Ledger.Spend spend;
  /** The price entry resolved against one book; replaced when the book changes. */
  private Resolved resolved;

  UsageHandle(TokenMeter meter, RunState run, String subagent, String model) {
    this.meter = meter;
    this.run = run;
    this.subagent = subagent;
    this.model = model;
    this.series = run.ledger.series(subagent, model);
    this.subagentAccount = run.subagentAccount(subagent);
    this.spend = meter.ledger().spend(model, subagent);
  }

  public String run() {
    return run.run;
  }

  public String subagent() {
    return subagent;
  }

  public String model() {
    return model;
  }

  /** Records one model call's tokens. */
  public void record(long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
    meter.apply(this, input, output, cacheRead, cacheWrite5m, cacheWrite1h, null);
  }

  /** The price of this handle's model in the current book, or null when it has none. */
  ModelPrice price(PriceBook current) {
    Resolved r = resolved;
    if (r == null || r.book != current) {
      r = new Resolved(current, current.find(model));
      resolved = r;
    }
    return r.price;
  }

  /** Immutable, so a racy read of {@link #resolved} always sees a consistent pair. */
  private static final class Resolved {
    final PriceBook book;
    final ModelPrice price;

    Resolved(PriceBook book, ModelPrice price) {
      this.book = book;
      this.price = price;
    }
  }
}
