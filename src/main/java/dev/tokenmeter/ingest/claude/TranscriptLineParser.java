package dev.tokenmeter.ingest.claude;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The fast path of {@link TranscriptReader}: one pass over a line's bytes that reads only the
 * fields a call needs and checks the rest (message content, tool results: most of the bytes) as
 * JSON without building anything. It is what makes {@code tokens:stats} run at hundreds of MB/s.
 *
 * <p>It decides only what it is sure of: a well-formed line it can turn into a call, or into no
 * call (another line type, no usage, a synthetic message). It is stricter than Jackson: anything
 * it does not handle (bad JSON, an escape in a field it reads, a field of an unexpected type, a
 * required field missing, a number that is not a plain non-negative long, deep nesting, invalid
 * UTF-8) returns {@link #UNSURE}, and the tree parser reads the line again and reports exactly
 * what is wrong, or reads it if it is fine after all. So both paths agree on every line, and bad
 * lines cost what they did before.
 */
final class TranscriptLineParser {

  /** Not decided here: parse the line as a tree. */
  static final ClaudeCall UNSURE = new ClaudeCall(
      "", "", "", "", TokenCounts.ZERO, null, null, Path.of(""), 0);

  /** Below Jackson's own limits, so that no line it would refuse is accepted here. */
  private static final int MAX_DEPTH = 200;
  private static final int MAX_NUMBER_CHARS = 200;

  private static final int NON_ASCII = 1;
  private static final int ESCAPED = 2;

  private static final byte[] TYPE = ascii("type");
  private static final byte[] MESSAGE = ascii("message");
  private static final byte[] REQUEST_ID = ascii("requestId");
  private static final byte[] IS_SIDECHAIN = ascii("isSidechain");
  private static final byte[] SESSION_ID = ascii("sessionId");
  private static final byte[] TIMESTAMP = ascii("timestamp");
  private static final byte[] COST_USD_UPPER = ascii("costUSD");
  private static final byte[] COST_USD = ascii("costUsd");
  private static final byte[] ID = ascii("id");
  private static final byte[] MODEL = ascii("model");
  private static final byte[] USAGE = ascii("usage");
  private static final byte[] INPUT = ascii("input_tokens");
  private static final byte[] OUTPUT = ascii("output_tokens");
  private static final byte[] CACHE_READ = ascii("cache_read_input_tokens");
  private static final byte[] CACHE_WRITES = ascii("cache_creation_input_tokens");
  private static final byte[] CACHE_SPLIT = ascii("cache_creation");
  private static final byte[] SPLIT_5M = ascii("ephemeral_5m_input_tokens");
  private static final byte[] SPLIT_1H = ascii("ephemeral_1h_input_tokens");

  private final byte[] b;
  private final int end;
  private int i;

  private TranscriptLineParser(byte[] bytes, int length) {
    this.b = bytes;
    this.end = length;
  }

  /** What the line records: a call, null for none, or {@link #UNSURE}. */
  static ClaudeCall parse(TranscriptFile file, byte[] bytes, int length, long lineNumber) {
    try {
      return new TranscriptLineParser(bytes, length).line(file, lineNumber);
    } catch (Unsure | RuntimeException e) {
      return UNSURE;
    }
  }

  private ClaudeCall line(TranscriptFile file, long lineNumber) throws Unsure {
    String type = null;
    Message message = null;
    String requestId = null;
    Boolean sidechain = null;
    String session = null;
    String timestamp = null;
    BigDecimal costUSD = null;
    BigDecimal costUsd = null;
    ws();
    expect('{');
    ws();
    if (peek() != '}') {
      while (true) {
        int nameStart = i + 1;
        name();
        int nameEnd = i - 1;
        ws();
        expect(':');
        ws();
        if (is(TYPE, nameStart, nameEnd)) {
          type = text();
        } else if (is(MESSAGE, nameStart, nameEnd)) {
          message = message();
        } else if (is(REQUEST_ID, nameStart, nameEnd)) {
          requestId = text();
        } else if (is(IS_SIDECHAIN, nameStart, nameEnd)) {
          sidechain = bool();
        } else if (is(SESSION_ID, nameStart, nameEnd)) {
          session = text();
        } else if (is(TIMESTAMP, nameStart, nameEnd)) {
          timestamp = text();
        } else if (is(COST_USD_UPPER, nameStart, nameEnd)) {
          costUSD = amount();
        } else if (is(COST_USD, nameStart, nameEnd)) {
          costUsd = amount();
        } else {
          skipValue(1);
        }
        if (!nextMember()) {
          break;
        }
      }
    }
    i++; // the closing brace
    ws();
    if (i != end) {
      throw Unsure.INSTANCE; // a second value on the line, or garbage after the object
    }
    if (type == null) {
      return UNSURE;
    }
    if (!type.equals("assistant")) {
      return null;
    }
    if (message == null) {
      return UNSURE; // missing or null: the tree parser reports it
    }
    if (!message.hasUsage) {
      return null; // an assistant line without usage (an error turn) is not a billed call
    }
    TokenCounts tokens = message.tokens();
    String model = message.model;
    if (TranscriptReader.SYNTHETIC_MODEL.equals(model) && tokens.isZero()) {
      return null;
    }
    if (model == null || model.isEmpty() || message.id == null || message.id.isEmpty()) {
      return UNSURE;
    }
    if (session == null || session.isEmpty()) {
      session = file.sessionFromPath();
      if (session == null) {
        return UNSURE;
      }
    }
    Instant at = null;
    if (timestamp != null) {
      try {
        at = Instant.parse(timestamp);
      } catch (DateTimeParseException e) {
        return UNSURE;
      }
    }
    BigDecimal cost = costUSD != null ? costUSD : costUsd;
    String id = message.id;
    String key = requestId == null || requestId.isEmpty() ? id : id + "/" + requestId;
    return new ClaudeCall(key, session, file.subagentOf(Boolean.TRUE.equals(sidechain)), model,
        tokens, cost, at, file.path(), lineNumber);
  }

  /** The fields of {@code message} a call needs; null for JSON null. */
  private Message message() throws Unsure {
    if (literal("null")) {
      return null;
    }
    expect('{');
    Message m = new Message();
    ws();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      int nameStart = i + 1;
      name();
      int nameEnd = i - 1;
      ws();
      expect(':');
      ws();
      if (is(ID, nameStart, nameEnd)) {
        m.id = text();
      } else if (is(MODEL, nameStart, nameEnd)) {
        m.model = text();
      } else if (is(USAGE, nameStart, nameEnd)) {
        usage(m);
      } else {
        skipValue(2);
      }
      if (!nextMember()) {
        i++;
        return m;
      }
    }
  }

  private void usage(Message m) throws Unsure {
    // A repeated key replaces, as in a tree: only the last usage counts.
    m.hasUsage = false;
    m.input = m.output = m.read = m.writes = m.split5m = m.split1h = -1;
    m.hasSplit = false;
    if (literal("null")) {
      return;
    }
    expect('{');
    m.hasUsage = true;
    ws();
    if (peek() == '}') {
      i++;
      return;
    }
    while (true) {
      int nameStart = i + 1;
      name();
      int nameEnd = i - 1;
      ws();
      expect(':');
      ws();
      if (is(INPUT, nameStart, nameEnd)) {
        m.input = count();
      } else if (is(OUTPUT, nameStart, nameEnd)) {
        m.output = count();
      } else if (is(CACHE_READ, nameStart, nameEnd)) {
        m.read = count();
      } else if (is(CACHE_WRITES, nameStart, nameEnd)) {
        m.writes = count();
      } else if (is(CACHE_SPLIT, nameStart, nameEnd)) {
        split(m);
      } else {
        skipValue(3);
      }
      if (!nextMember()) {
        i++;
        return;
      }
    }
  }

  private void split(Message m) throws Unsure {
    m.hasSplit = false;
    m.split5m = m.split1h = -1;
    if (literal("null")) {
      return;
    }
    expect('{');
    m.hasSplit = true;
    ws();
    if (peek() == '}') {
      i++;
      return;
    }
    while (true) {
      int nameStart = i + 1;
      name();
      int nameEnd = i - 1;
      ws();
      expect(':');
      ws();
      if (is(SPLIT_5M, nameStart, nameEnd)) {
        m.split5m = count();
      } else if (is(SPLIT_1H, nameStart, nameEnd)) {
        m.split1h = count();
      } else {
        skipValue(4);
      }
      if (!nextMember()) {
        i++;
        return;
      }
    }
  }

  // ---------------------------------------------------------------- values

  /** After a member: true when a comma follows (and was consumed), false at the closing brace. */
  private boolean nextMember() throws Unsure {
    ws();
    byte c = peek();
    if (c == ',') {
      i++;
      ws();
      return true;
    }
    if (c == '}') {
      return false;
    }
    throw Unsure.INSTANCE;
  }

  /** A member name; one with an escape could spell a name we read, so the tree decides. */
  private void name() throws Unsure {
    need((skipString() & ESCAPED) == 0);
  }

  /** A string without escapes, or null for JSON null. */
  private String text() throws Unsure {
    if (literal("null")) {
      return null;
    }
    int start = i + 1;
    int kind = skipString();
    need((kind & ESCAPED) == 0); // rare in the fields read; the tree parser decodes them
    return new String(b, start, i - 1 - start,
        (kind & NON_ASCII) == 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  private Boolean bool() throws Unsure {
    if (literal("true")) {
      return Boolean.TRUE;
    }
    if (literal("false")) {
      return Boolean.FALSE;
    }
    if (literal("null")) {
      return null;
    }
    throw Unsure.INSTANCE;
  }

  /** A plain non-negative integer that fits a long; -1 for null. */
  private long count() throws Unsure {
    if (literal("null")) {
      return -1;
    }
    int start = i;
    long v = 0;
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      v = v * 10 + (b[i] - '0');
      i++;
    }
    int digits = i - start;
    if (digits == 0 || digits > 18 || (digits > 1 && b[start] == '0')) {
      throw Unsure.INSTANCE;
    }
    if (i < end && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) {
      throw Unsure.INSTANCE; // 12.0 is a count to the tree parser; let it decide
    }
    return v;
  }

  /** A non-negative number as an exact decimal; null for null. */
  private BigDecimal amount() throws Unsure {
    if (literal("null")) {
      return null;
    }
    int start = i;
    skipNumber();
    BigDecimal d = new BigDecimal(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
    if (d.signum() < 0) {
      throw Unsure.INSTANCE;
    }
    return d;
  }

  /** Checks one JSON value and moves past it. */
  private void skipValue(int depth) throws Unsure {
    if (depth > MAX_DEPTH) {
      throw Unsure.INSTANCE;
    }
    byte c = peek();
    switch (c) {
      case '"':
        skipString();
        return;
      case '{':
        i++;
        ws();
        if (peek() == '}') {
          i++;
          return;
        }
        while (true) {
          skipString();
          ws();
          expect(':');
          ws();
          skipValue(depth + 1);
          if (!nextMember()) {
            i++;
            return;
          }
        }
      case '[':
        i++;
        ws();
        if (peek() == ']') {
          i++;
          return;
        }
        while (true) {
          skipValue(depth + 1);
          ws();
          byte d = peek();
          i++;
          if (d == ']') {
            return;
          }
          if (d != ',') {
            throw Unsure.INSTANCE;
          }
          ws();
        }
      case 't':
        need(literal("true"));
        return;
      case 'f':
        need(literal("false"));
        return;
      case 'n':
        need(literal("null"));
        return;
      default:
        skipNumber();
    }
  }

  /** {@code -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?}, as JSON has it. */
  private void skipNumber() throws Unsure {
    int start = i;
    if (i < end && b[i] == '-') {
      i++;
    }
    int intStart = i;
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    if (i == intStart || (i - intStart > 1 && b[intStart] == '0')) {
      throw Unsure.INSTANCE;
    }
    if (i < end && b[i] == '.') {
      i++;
      need(digits() > 0);
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < end && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      need(digits() > 0);
    }
    need(i - start <= MAX_NUMBER_CHARS);
  }

  private int digits() {
    int start = i;
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i - start;
  }

  /**
   * Checks a string from its opening quote and moves past its closing one: escapes must be
   * JSON's, control characters escaped, and other bytes well-formed UTF-8. Returns
   * {@link #NON_ASCII} and {@link #ESCAPED} as they apply.
   */
  private int skipString() throws Unsure {
    expect('"');
    int kind = 0;
    byte[] a = b;
    int n = end;
    int k = i;
    while (true) {
      // The hot loop of tokens:stats: plain ASCII runs through with one test per byte.
      while (k < n && a[k] >= 0x20 && a[k] != '"' && a[k] != '\\') {
        k++;
      }
      if (k >= n) {
        i = k;
        throw Unsure.INSTANCE;
      }
      byte c = a[k];
      if (c == '"') {
        i = k + 1;
        return kind;
      }
      if (c == '\\') {
        kind |= ESCAPED;
        k++;
        need(k < n);
        switch (a[k]) {
          case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            k++;
            break;
          case 'u':
            need(k + 4 < n && hex(a[k + 1]) && hex(a[k + 2]) && hex(a[k + 3]) && hex(a[k + 4]));
            k += 5;
            break;
          default:
            throw Unsure.INSTANCE;
        }
      } else if (c >= 0) {
        throw Unsure.INSTANCE; // a raw control character is not JSON
      } else {
        kind |= NON_ASCII;
        i = k;
        utf8(c & 0xff);
        k = i;
      }
    }
  }

  /** One well-formed UTF-8 sequence of two to four bytes, from its lead byte. */
  private void utf8(int lead) throws Unsure {
    int more;
    int min = 0x80;
    int max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      more = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2;
      if (lead == 0xe0) {
        min = 0xa0; // no overlong forms
      } else if (lead == 0xed) {
        max = 0x9f; // no surrogates
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3;
      if (lead == 0xf0) {
        min = 0x90;
      } else if (lead == 0xf4) {
        max = 0x8f;
      }
    } else {
      throw Unsure.INSTANCE;
    }
    need(i + more < end);
    int second = b[i + 1] & 0xff;
    need(second >= min && second <= max);
    for (int k = 2; k <= more; k++) {
      int cont = b[i + k] & 0xff;
      need(cont >= 0x80 && cont <= 0xbf);
    }
    i += more + 1;
  }

  private static boolean hex(byte c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** Moves past {@code word} if it is next. */
  private boolean literal(String word) {
    int n = word.length();
    if (i + n > end) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      if (b[i + k] != word.charAt(k)) {
        return false;
      }
    }
    i += n;
    return true;
  }

  private void ws() {
    while (i < end) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return;
      }
      i++;
    }
  }

  private byte peek() throws Unsure {
    need(i < end);
    return b[i];
  }

  private void expect(char c) throws Unsure {
    need(i < end && b[i] == c);
    i++;
  }

  private static void need(boolean ok) throws Unsure {
    if (!ok) {
      throw Unsure.INSTANCE;
    }
  }

  /** Whether the raw name between {@code start} and {@code stop} is {@code name}. */
  private boolean is(byte[] name, int start, int stop) {
    if (stop - start != name.length) {
      return false;
    }
    for (int k = 0; k < name.length; k++) {
      if (b[start + k] != name[k]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The fields of one {@code message}. */
  private static final class Message {
    String id;
    String model;
    boolean hasUsage;
    long input = -1;
    long output = -1;
    long read = -1;
    long writes = -1;
    boolean hasSplit;
    long split5m = -1;
    long split1h = -1;

    /** The counts by the rule of {@link TranscriptReader#tokens}. */
    TokenCounts tokens() {
      long w = Math.max(0, writes);
      long w5 = w;
      long w1 = 0;
      if (hasSplit && (split5m >= 0 || split1h >= 0)) {
        w1 = Math.max(0, split1h);
        w5 = Math.max(Math.max(0, split5m), w - w1);
      }
      return TokenCounts.of(Math.max(0, input), Math.max(0, output), Math.max(0, read), w5, w1);
    }
  }

  /** The fast path is not sure; cheap, without a stack. Checked, so no path forgets it. */
  private static final class Unsure extends Exception {
    static final Unsure INSTANCE = new Unsure();

    private Unsure() {
      super(null, null, false, false);
    }
  }
}
