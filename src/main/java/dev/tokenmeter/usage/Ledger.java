package dev.tokenmeter.usage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The long-lived part of the source of truth: spend by (model, subagent), priced when it was
 * recorded and never evicted, and the tokens of models that have no price. Per-run counts live in
 * {@link RunLedger}s.
 *
 * <p>Spend is kept in pico-USD (10^-12 USD) in a {@link LongAdder}: exact for every price that is
 * a whole number of pico-USD per token (all real prices are), and good for 9.2 million USD per
 * (model, subagent) series.
 *
 * <p>Never evicted, so bounded by count: past {@link #MAX_SPEND_SERIES} (model, subagent) pairs,
 * or {@link #MAX_UNPRICED_MODELS} unpriced models, new names fold into {@link #OVERFLOW} (money
 * and tokens stay exact, only the names are lost), and each fold is counted. Subagents and models
 * are meant to be a few role and model names; a flood of distinct ones is a bug or an attack.
 */
public final class Ledger {

  /** Pico-USD in one USD. */
  public static final long PICO_PER_USD = 1_000_000_000_000L;
  /** The label value of everything folded past a cap. */
  public static final String OVERFLOW = "_overflow";
  /** Distinct (model, subagent) spend series kept by name. */
  public static final int MAX_SPEND_SERIES = 10_000;
  /** Distinct unpriced models kept by name. */
  public static final int MAX_UNPRICED_MODELS = 1_000;

  private final AtomicInteger spendSeries = new AtomicInteger();
  private final LongAdder folded = new LongAdder();

  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Spend>> spendByModel =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Unpriced> unpricedByModel = new ConcurrentHashMap<>();

  /** The spend counter of (model, subagent), created on first use. */
  public Spend spend(String model, String subagent) {
    ConcurrentHashMap<String, Spend> bySubagent = spendByModel.get(model);
    Spend s = bySubagent == null ? null : bySubagent.get(subagent);
    if (s != null) {
      return s;
    }
    if (spendSeries.get() >= MAX_SPEND_SERIES) {
      folded.increment();
      return spendByModel.computeIfAbsent(OVERFLOW, k -> new ConcurrentHashMap<>())
          .computeIfAbsent(OVERFLOW, a -> new Spend(OVERFLOW, a));
    }
    if (bySubagent == null) {
      bySubagent = spendByModel.computeIfAbsent(model, k -> new ConcurrentHashMap<>());
    }
    return bySubagent.computeIfAbsent(subagent, a -> {
      spendSeries.incrementAndGet();
      return new Spend(model, a);
    });
  }

  /** The unpriced-token counters of a model, created on first use. */
  public Unpriced unpriced(String model) {
    Unpriced u = unpricedByModel.get(model);
    if (u != null) {
      return u;
    }
    if (unpricedByModel.size() >= MAX_UNPRICED_MODELS) {
      folded.increment();
      return unpricedByModel.computeIfAbsent(OVERFLOW, Unpriced::new);
    }
    return unpricedByModel.computeIfAbsent(model, Unpriced::new);
  }

  /** Label sets folded into {@link #OVERFLOW} by the caps above. */
  public long foldedSeries() {
    return folded.sum();
  }

  public List<Spend> spend() {
    List<Spend> out = new ArrayList<>();
    for (ConcurrentHashMap<String, Spend> m : spendByModel.values()) {
      out.addAll(m.values());
    }
    return out;
  }

  public List<Unpriced> unpriced() {
    return new ArrayList<>(unpricedByModel.values());
  }

  /** Long-term spend of one (model, subagent). */
  public static final class Spend {
    private final String model;
    private final String subagent;
    private final LongAdder pico = new LongAdder();

    Spend(String model, String subagent) {
      this.model = model;
      this.subagent = subagent;
    }

    public String model() {
      return model;
    }

    public String subagent() {
      return subagent;
    }

    public void addPico(long picoUsd) {
      pico.add(picoUsd);
    }

    public long pico() {
      return pico.sum();
    }
  }

  /** Tokens of one model that had no price when they were recorded. */
  public static final class Unpriced {
    private final String model;
    private final LongAdder[] tokens = new LongAdder[5];

    Unpriced(String model) {
      this.model = model;
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = new LongAdder();
      }
    }

    public String model() {
      return model;
    }

    public void add(long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
      tokens[0].add(input);
      tokens[1].add(output);
      tokens[2].add(cacheRead);
      tokens[3].add(cacheWrite5m);
      tokens[4].add(cacheWrite1h);
    }

    public TokenCounts tokens() {
      return TokenCounts.of(
          tokens[0].sum(), tokens[1].sum(), tokens[2].sum(), tokens[3].sum(), tokens[4].sum());
    }
  }
}
