package dev.tokenmeter.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Structure-aware and byte-level mutations of JSON (and YAML) seeds. A mutation is plain data
 * (kind, target, choice), so jqwik generates and shrinks lists of them; {@link #apply} turns one
 * into a new input deterministically.
 *
 * <p>Tree mutations (replace a value, drop, add, duplicate or rename a key, nest deeply) work on
 * the seed parsed as JSON; when the input no longer parses (an earlier byte mutation), they fall
 * back to inserting a token. The replacement values are raw JSON text, so they can be what a tree
 * cannot hold: duplicated keys, 5000 levels of nesting, lone surrogates, numbers past any range.
 */
public final class Mutator {

  public enum Kind {
    REPLACE_VALUE, REMOVE_KEY, ADD_KEY, DUPLICATE_KEY, RENAME_KEY, NEST_DEEP, REPLACE_ROOT,
    TRUNCATE, BYTE_NOISE, INSERT_TOKEN, DELETE_RANGE, REPEAT_RANGE
  }

  /** One mutation; {@code target} picks the place, {@code choice} the value (both modulo). */
  public record Mutation(Kind kind, int target, int choice) {}

  /** Larger inputs are cut: a size bound keeps every try fast. */
  public static final int MAX_BYTES = 256 << 10;

  private static final ObjectMapper TREE = new ObjectMapper();
  private static final String MARK = "@@FUZZ@@";
  private static final String DUP = "@@DUP@@";

  /** Values that parsers get wrong: wrong types, edge numbers, odd strings. Raw JSON. */
  static final List<String> VALUES = List.of(
      "null", "true", "false", "0", "-0", "-1", "1.5", "12.0", "1e3", "1E+2", "0.0",
      "9223372036854775807", "9223372036854775808", "-9223372036854775809",
      "18446744073709551616", "123456789012345678901234567890123456789",
      "1e308", "1e309", "1e-400", "1e999999999", "-1e999999999", "1e-999999999", "0e999999999",
      "2.5e9999999999", "1E2147483647", "1e-2147483648", "9.99999999999999999999e18",
      "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\uFFFF\"",
      "\"\u00e9\u4e2d\ud83d\ude00\"", "\"\u202e\u0301\"", "\"12\"", "\"-1\"", "\"4\"", "\"firing\"", "\"pause\"",
      "\"resolved\"", "\"assistant\"", "\"COST_TRACKED\"", "\"RUN_COMPLETED\"", "\"all\"",
      "\"2026-01-31T12:00:00Z\"", "\"2026-13-45T99:99:99Z\"", "\"+1000000000-01-01T00:00:00Z\"",
      "\"../../etc/passwd\"", "\"(a+)+$\"", "\"((((((((((\"", "\"\\\\\"",
      "[]", "{}", "[null]", "[1,2,3]", "{\"a\":1}", "[[[[[[[[[[]]]]]]]]]]", "{\"\":{\"\":{}}}");

  /** Names that parsers look for, plus strangers. */
  static final List<String> NAMES = List.of(
      "run", "model", "session", "subagent", "inputTokens", "outputTokens", "cacheReadTokens",
      "cacheWrite5mTokens", "cacheWrite1hTokens", "timestamp", "idempotencyKey", "provider",
      "version", "alerts", "labels", "status", "fingerprint", "startsAt", "annotations",
      "summary", "truncatedAlerts", "tokenmeter_action", "tokenmeter_scope",
      "models", "name", "per_million", "long_context", "above_tokens", "aliases", "match",
      "input", "output", "cache_read", "cache_write_5m", "cache_write_1h", "checked_on",
      "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
      "input_cost_per_token_above_200k_tokens", "output_cost_per_token_above_999999999k_tokens",
      "mode", "litellm_provider", "sample_spec",
      "type", "data", "recordedAt", "effectId", "taskKind", "costUsd", "cacheCreation1hTokens",
      "message", "usage", "id", "requestId", "sessionId", "isSidechain", "costUSD",
      "input_tokens", "output_tokens", "cache_creation", "ephemeral_1h_input_tokens",
      "unknown", "", "\u00e9", "__proto__", "a\u0000b");

  /** Bytes and tokens that break parsers, inserted as text. */
  static final List<byte[]> TOKENS = tokens(
      "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\n", "\r\n", "\r", "\t", "\u0000", " ",
      "null", "1e999", "-", "NaN", "Infinity", "0x1F", "//", "/*", "'", "\ufeff",
      // YAML: anchors, aliases, tags, merge keys, documents, block scalars
      "&a ", "*a", "!!binary ", "!!float ", "!!str ", "!!map ", "? ", "<<: *a\n", "\n---\n", "\n...\n",
      "%YAML 1.1\n", "|\n  ", ">\n  ", "- ", ": ", "#", "!<tag:x> ", "@", "`");

  private Mutator() {}

  public static Arbitrary<Mutation> mutation() {
    return Combinators.combine(
            Arbitraries.of(Kind.class),
            Arbitraries.integers().between(0, 1 << 20),
            Arbitraries.integers().between(0, 1 << 20))
        .as(Mutation::new);
  }

  /** One to four mutations; jqwik shrinks the list and its numbers. */
  public static Arbitrary<List<Mutation>> mutations() {
    return mutation().list().ofMinSize(1).ofMaxSize(4);
  }

  /** Raw noise: any bytes, short. */
  public static Arbitrary<byte[]> noise() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
  }

  /** JSON-ish noise: short strings over JSON's (and YAML's) structural alphabet. */
  public static Arbitrary<String> jsonish() {
    return Arbitraries.strings().withChars("{}[]\":,0123456789.-+eEtrufalsn\\ \n\t&*!|>#-?\u00e9\ud83d\ude00")
        .ofMaxLength(200);
  }

  public static String apply(String seed, List<Mutation> mutations) {
    return new String(apply(seed.getBytes(StandardCharsets.UTF_8), mutations), StandardCharsets.UTF_8);
  }

  public static byte[] apply(byte[] seed, List<Mutation> mutations) {
    byte[] b = seed;
    for (Mutation m : mutations) {
      b = cap(one(b, m));
    }
    return b;
  }

  private static byte[] cap(byte[] b) {
    return b.length <= MAX_BYTES ? b : Arrays.copyOf(b, MAX_BYTES);
  }

  private static byte[] one(byte[] b, Mutation m) {
    switch (m.kind()) {
      case TRUNCATE:
        return Arrays.copyOf(b, m.target() % (b.length + 1));
      case BYTE_NOISE:
        if (b.length == 0) {
          return new byte[] {(byte) m.choice()};
        }
        byte[] c = b.clone();
        c[m.target() % b.length] = (byte) m.choice();
        return c;
      case INSERT_TOKEN:
        return insert(b, m.target(), TOKENS.get(m.choice() % TOKENS.size()));
      case DELETE_RANGE: {
        if (b.length == 0) {
          return b;
        }
        int from = m.target() % b.length;
        int to = Math.min(b.length, from + 1 + m.choice() % 64);
        return concat(Arrays.copyOf(b, from), Arrays.copyOfRange(b, to, b.length));
      }
      case REPEAT_RANGE: {
        if (b.length == 0) {
          return b;
        }
        int from = m.target() % b.length;
        int to = Math.min(b.length, from + 1 + m.choice() % 256);
        return insert(b, to, Arrays.copyOfRange(b, from, to));
      }
      default:
        return tree(b, m);
    }
  }

  /** A tree mutation, or a token inserted when the input is not a JSON document any more. */
  private static byte[] tree(byte[] b, Mutation m) {
    JsonNode root;
    try {
      root = TREE.readTree(b);
    } catch (java.io.IOException e) {
      root = null;
    }
    if (root == null || root.isMissingNode()) {
      return insert(b, m.target(), TOKENS.get(m.choice() % TOKENS.size()));
    }
    String raw = VALUES.get(m.choice() % VALUES.size());
    if (m.kind() == Kind.REPLACE_ROOT) {
      return bytes(m.target() % 2 == 0 ? raw : "[" + json(root) + "," + raw + "]");
    }
    List<Slot> slots = new ArrayList<>();
    collect(root, slots);
    List<Slot> members = slots.stream().filter(s -> s.key != null).toList();
    List<JsonNode> objects = new ArrayList<>();
    collectObjects(root, objects);
    if (slots.isEmpty() || objects.isEmpty()) {
      return bytes(raw);
    }
    Slot slot = slots.get(m.target() % slots.size());
    switch (m.kind()) {
      case REPLACE_VALUE:
        slot.set(new TextNode(MARK));
        return bytes(json(root).replace("\"" + MARK + "\"", raw));
      case NEST_DEEP: {
        int depth = new int[] {2, 10, 64, 199, 201, 500, 999, 1001, 3000}[m.choice() % 9];
        boolean arrays = m.choice() % 2 == 0;
        String inner = json(slot.get());
        String deep = arrays
            ? "[".repeat(depth) + inner + "]".repeat(depth)
            : "{\"a\":".repeat(depth) + inner + "}".repeat(depth);
        slot.set(new TextNode(MARK));
        return bytes(json(root).replace("\"" + MARK + "\"", deep));
      }
      case REMOVE_KEY: {
        if (members.isEmpty()) {
          return bytes(raw);
        }
        Slot s = members.get(m.target() % members.size());
        ((ObjectNode) s.parent).remove(s.key);
        return bytes(json(root));
      }
      case ADD_KEY: {
        ObjectNode o = (ObjectNode) objects.get(m.target() % objects.size());
        String name = NAMES.get(m.choice() % NAMES.size());
        if (o.has(name)) {
          name = name + "_";
        }
        o.set(name, new TextNode(MARK));
        return bytes(json(root).replace("\"" + MARK + "\"", VALUES.get((m.choice() / 7) % VALUES.size())));
      }
      case DUPLICATE_KEY: {
        if (members.isEmpty()) {
          return bytes(raw);
        }
        Slot s = members.get(m.target() % members.size());
        // Same value or another; the marker key becomes a second copy of the name after writing.
        ((ObjectNode) s.parent).set(s.key + DUP, m.choice() % 2 == 0 ? s.get().deepCopy() : new TextNode(MARK));
        return bytes(json(root).replace(DUP + "\"", "\"").replace("\"" + MARK + "\"", raw));
      }
      case RENAME_KEY: {
        if (members.isEmpty()) {
          return bytes(raw);
        }
        Slot s = members.get(m.target() % members.size());
        ObjectNode o = (ObjectNode) s.parent;
        JsonNode v = o.remove(s.key);
        String[] variants = {s.key.toUpperCase(java.util.Locale.ROOT), s.key + " ", " " + s.key,
            s.key + "\u0000", s.key.replace('e', '\u0435'), "", s.key + s.key};
        String name = variants[m.choice() % variants.length];
        if (!o.has(name)) {
          o.set(name, v);
        }
        return bytes(json(root));
      }
      default:
        throw new IllegalStateException(m.kind().name());
    }
  }

  /** A place that holds a value: a member of an object or an element of an array. */
  private static final class Slot {
    final JsonNode parent;
    final String key;
    final int index;

    Slot(JsonNode parent, String key, int index) {
      this.parent = parent;
      this.key = key;
      this.index = index;
    }

    JsonNode get() {
      return key != null ? parent.get(key) : parent.get(index);
    }

    void set(JsonNode v) {
      if (key != null) {
        ((ObjectNode) parent).set(key, v);
      } else {
        ((ArrayNode) parent).set(index, v);
      }
    }
  }

  private static void collect(JsonNode n, List<Slot> out) {
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      n.fieldNames().forEachRemaining(names::add);
      for (String k : names) {
        out.add(new Slot(n, k, -1));
        collect(n.get(k), out);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        out.add(new Slot(n, null, i));
        collect(n.get(i), out);
      }
    }
  }

  private static void collectObjects(JsonNode n, List<JsonNode> out) {
    if (n.isObject()) {
      out.add(n);
    }
    if (n.isContainerNode()) {
      for (JsonNode c : n) {
        collectObjects(c, out);
      }
    }
  }

  private static String json(JsonNode n) {
    try {
      return TREE.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    int i = at % (b.length + 1);
    return concat(concat(Arrays.copyOf(b, i), what), Arrays.copyOfRange(b, i, b.length));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static List<byte[]> tokens(String... ts) {
    List<byte[]> out = new ArrayList<>();
    for (String t : ts) {
      out.add(t.getBytes(StandardCharsets.UTF_8));
    }
    out.add(new byte[] {(byte) 0xff});
    out.add(new byte[] {(byte) 0xc3});
    out.add(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}); // an encoded surrogate
    out.add(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}); // past U+10FFFF
    out.add(new byte[] {(byte) 0xc0, (byte) 0x80}); // overlong NUL
    return List.copyOf(out);
  }
}
