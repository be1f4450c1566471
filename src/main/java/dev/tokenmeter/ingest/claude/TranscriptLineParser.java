package dev.tokenmeter.ingest.claude;

import dev.tokenmeter.ingest.JsonFields;
import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

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

  // The names read, by id; NAMES[id] is the name's bytes.
  private static final int TYPE = 0;
  private static final int MESSAGE = 1;
  private static final int REQUEST_ID = 2;
  private static final int IS_SIDECHAIN = 3;
  private static final int SESSION_ID = 4;
  private static final int TIMESTAMP = 5;
  private static final int COST_USD_UPPER = 6;
  private static final int COST_USD = 7;
  private static final int ID = 8;
  private static final int MODEL = 9;
  private static final int USAGE = 10;
  private static final int INPUT = 11;
  private static final int OUTPUT = 12;
  private static final int CACHE_READ = 13;
  private static final int CACHE_WRITES = 14;
  private static final int CACHE_SPLIT = 15;
  private static final int SPLIT_5M = 16;
  private static final int SPLIT_1H = 17;
  private static final int OTHER = -1;
  private static final byte[][] NAMES = {
      ascii("type"), ascii("message"), ascii("requestId"), ascii("isSidechain"),
      ascii("sessionId"), ascii("timestamp"), ascii("costUSD"), ascii("costUsd"), ascii("id"),
      ascii("model"), ascii("usage"), ascii("input_tokens"), ascii("output_tokens"),
      ascii("cache_read_input_tokens"), ascii("cache_creation_input_tokens"),
      ascii("cache_creation"), ascii("ephemeral_5m_input_tokens"),
      ascii("ephemeral_1h_input_tokens")};
  /** The first and last name id of each level. */
  private static final int[] FIRST = {TYPE, ID, INPUT, SPLIT_5M};
  private static final int[] LAST = {COST_USD, USAGE, CACHE_SPLIT, SPLIT_1H};

  /** Where a member is: which names are read there. */
  private static final int ROOT = 0;
  private static final int IN_MESSAGE = 1;
  private static final int IN_USAGE = 2;
  private static final int IN_SPLIT = 3;

  private final byte[] b;
  private final int end;
  private int i;

  // What the line holds so far. A repeated key replaces, as in a tree.
  private String type;
  private boolean hasMessage;
  private String requestId;
  private Boolean sidechain;
  private String session;
  private String timestamp;
  private BigDecimal costUSD;
  private BigDecimal costUsd;
  private String id;
  private String model;
  private boolean hasUsage;
  private long input;
  private long output;
  private long read;
  private long writes;
  private boolean hasSplit;
  private long split5m;
  private long split1h;

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
    ws();
    object(ROOT);
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
    if (!hasMessage) {
      return UNSURE; // missing or null: the tree parser reports it
    }
    if (!hasUsage) {
      return null; // an assistant line without usage (an error turn) is not a billed call
    }
    return call(file, lineNumber);
  }

  private ClaudeCall call(TranscriptFile file, long lineNumber) {
    TokenCounts tokens = tokens();
    if (TranscriptReader.SYNTHETIC_MODEL.equals(model) && tokens.isZero()) {
      return null;
    }
    if (model == null || model.isEmpty() || id == null || id.isEmpty()) {
      return UNSURE;
    }
    String s = session;
    if (s == null || s.isEmpty()) {
      s = file.sessionFromPath();
      if (s == null) {
        return UNSURE;
      }
    }
    Instant at = null;
    if (timestamp != null) {
      at = instant(timestamp);
      if (at == null) {
        return UNSURE;
      }
    }
    BigDecimal cost = costUSD != null ? costUSD : costUsd;
    String key = requestId == null || requestId.isEmpty() ? id : id + "/" + requestId;
    return new ClaudeCall(key, s, file.subagentOf(Boolean.TRUE.equals(sidechain)), model, tokens,
        cost, at, file.path(), lineNumber);
  }

  /**
   * An object whose members at {@code level} are read or checked. One loop for every level
   * keeps the compiled code small, so that it is fast soon after start.
   */
  private void object(int level) throws Unsure {
    expect('{');
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
      member(level, nameId(level, nameStart, nameEnd));
      ws();
      byte c = peek();
      i++;
      if (c == '}') {
        return;
      }
      need(c == ',');
      ws();
    }
  }

  /** The id of the name in {@code b[start, stop)} among those read at {@code level}, or OTHER. */
  private int nameId(int level, int start, int stop) {
    int length = stop - start;
    for (int id = FIRST[level]; id <= LAST[level]; id++) {
      byte[] name = NAMES[id];
      if (name.length == length && Arrays.equals(b, start, stop, name, 0, length)) {
        return id;
      }
    }
    return OTHER;
  }

  private void member(int level, int name) throws Unsure {
    switch (name) {
      case TYPE:
        type = text();
        return;
      case MESSAGE:
        id = model = null;
        hasUsage = false;
        hasMessage = !literal("null");
        if (hasMessage) {
          object(IN_MESSAGE);
        }
        return;
      case REQUEST_ID:
        requestId = text();
        return;
      case IS_SIDECHAIN:
        sidechain = bool();
        return;
      case SESSION_ID:
        session = text();
        return;
      case TIMESTAMP:
        timestamp = text();
        return;
      case COST_USD_UPPER:
        costUSD = amount();
        return;
      case COST_USD:
        costUsd = amount();
        return;
      case ID:
        id = text();
        return;
      case MODEL:
        model = text();
        return;
      case USAGE:
        input = output = read = writes = split5m = split1h = -1;
        hasSplit = false;
        hasUsage = !literal("null");
        if (hasUsage) {
          object(IN_USAGE);
        }
        return;
      case INPUT:
        input = count();
        return;
      case OUTPUT:
        output = count();
        return;
      case CACHE_READ:
        read = count();
        return;
      case CACHE_WRITES:
        writes = count();
        return;
      case CACHE_SPLIT:
        split5m = split1h = -1;
        hasSplit = !literal("null");
        if (hasSplit) {
          object(IN_SPLIT);
        }
        return;
      case SPLIT_5M:
        split5m = count();
        return;
      case SPLIT_1H:
        split1h = count();
        return;
      default:
        skipValue(level + 1);
    }
  }

  /** The counts by the rule of {@link TranscriptReader#tokens}. */
  private TokenCounts tokens() {
    long w = Math.max(0, writes);
    long w5 = w;
    long w1 = 0;
    if (hasSplit && (split5m >= 0 || split1h >= 0)) {
      w1 = Math.max(0, split1h);
      w5 = Math.max(Math.max(0, split5m), w - w1);
    }
    return TokenCounts.of(Math.max(0, input), Math.max(0, output), Math.max(0, read), w5, w1);
  }

  /**
   * {@code 2026-02-16T18:46:55.028Z}, the form Claude Code writes, without the general parser;
   * any other form goes to {@link Instant#parse}. Null when neither takes it.
   */
  static Instant instant(String t) {
    int n = t.length();
    if (n >= 20 && n <= 30 && t.charAt(4) == '-' && t.charAt(7) == '-' && t.charAt(10) == 'T'
        && t.charAt(13) == ':' && t.charAt(16) == ':' && t.charAt(n - 1) == 'Z') {
      int year = digits(t, 0, 4);
      int month = digits(t, 5, 7);
      int day = digits(t, 8, 10);
      int hour = digits(t, 11, 13);
      int minute = digits(t, 14, 16);
      int second = digits(t, 17, 19);
      int nanos = 0;
      boolean ok = year >= 0 && month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23
          && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
      if (ok && n > 20) {
        int fraction = n - 21; // between the '.' and the 'Z'
        ok = t.charAt(19) == '.' && fraction >= 1 && fraction <= 9;
        int f = ok ? digits(t, 20, n - 1) : -1;
        ok = ok && f >= 0;
        if (ok) {
          nanos = f;
          for (int k = fraction; k < 9; k++) {
            nanos *= 10;
          }
        }
      } else if (ok) {
        ok = t.charAt(19) == 'Z';
      }
      if (ok && day <= java.time.YearMonth.of(year, month).lengthOfMonth()) {
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3600L + minute * 60L + second, nanos);
      }
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The decimal number in {@code t[from, to)}, or -1 when it is not all digits. */
  private static int digits(String t, int from, int to) {
    int v = 0;
    for (int k = from; k < to; k++) {
      char c = t.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
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
    if (digits == 0 || digits > 18 || (digits > 1 && b[start] == '0') || v > TokenCounts.MAX_PER_EVENT) {
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
    String text = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
    BigDecimal d = new BigDecimal(text);
    if (d.signum() < 0 || !JsonFields.isPlainAmount(d)) {
      throw Unsure.INSTANCE;
    }
    // As Jackson's tree holds a JSON decimal (not an integer): zero as 0, else without trailing
    // zeros, so that both paths report 0.0120 as the same 0.012.
    boolean integer = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    return integer ? d : d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
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
      int exponent = digits();
      // Jackson refuses an exponent past an int, wherever the number is: so does the tree parser.
      need(exponent > 0 && exponent < 10);
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

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The fast path is not sure; cheap, without a stack. Checked, so no path forgets it. */
  private static final class Unsure extends Exception {
    static final Unsure INSTANCE = new Unsure();

    private Unsure() {
      super(null, null, false, false);
    }
  }
}
