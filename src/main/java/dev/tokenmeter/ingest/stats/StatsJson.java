package dev.tokenmeter.ingest.stats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.TokenType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;

/**
 * {@code tokens:stats --json} (DESIGN section 7): {@code totals} {calls, tokens by type, costUsd},
 * {@code groups} (the same plus the key fields), {@code unpriced} [{model, tokens}]. Money is a
 * decimal string, never a float; an unknown cost is {@code null}, never zero. Also
 * {@code cacheShare}, {@code unpricedTokens}, {@code endedRuns}, {@code errorCount} and the kept
 * {@code errors}.
 */
public final class StatsJson {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private StatsJson() {}

  public static String render(TokenStats stats) {
    try {
      return MAPPER.writeValueAsString(tree(stats)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot happen: a tree of plain nodes", e);
    }
  }

  public static void render(TokenStats stats, Writer out) {
    try {
      out.write(render(stats));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode tree(TokenStats stats) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode by = root.putArray("groupBy");
    stats.groupBy().forEach(d -> by.add(d.label()));
    root.put("costMode", stats.costMode().label());
    root.set("totals", row(stats.totals()));
    ArrayNode groups = root.putArray("groups");
    for (StatsRow r : stats.groups()) {
      groups.add(row(r));
    }
    ArrayNode unpriced = root.putArray("unpriced");
    for (UnpricedModel u : stats.unpriced()) {
      ObjectNode n = unpriced.addObject();
      n.put("model", u.model());
      n.set("tokens", tokens(u.tokens()));
    }
    ObjectNode ended = root.putObject("endedRuns");
    stats.endedRuns().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> ended.put(e.getKey(), e.getValue()));
    root.put("errorCount", stats.errorCount());
    ArrayNode errors = root.putArray("errors");
    for (IngestError e : stats.errors()) {
      ObjectNode n = errors.addObject();
      n.put("file", e.file().toString());
      n.put("line", e.line());
      n.put("message", e.message());
    }
    return root;
  }

  private static ObjectNode row(StatsRow r) {
    ObjectNode n = MAPPER.createObjectNode();
    for (Map.Entry<Dimension, String> k : r.key().entrySet()) {
      n.put(k.getKey().label(), k.getValue());
    }
    n.put("calls", r.calls());
    n.set("tokens", tokens(r.tokens()));
    if (r.costUsd() == null) {
      n.putNull("costUsd");
    } else {
      n.put("costUsd", Money.exact(r.costUsd()));
    }
    n.put("unpricedTokens", r.unpricedTokens());
    if (r.cacheShare() == null) {
      n.putNull("cacheShare");
    } else {
      n.put("cacheShare", r.cacheShare());
    }
    return n;
  }

  private static ObjectNode tokens(TokenCounts t) {
    ObjectNode n = MAPPER.createObjectNode();
    for (TokenType type : TokenType.all()) {
      n.put(type.label(), t.get(type));
    }
    return n;
  }
}
