package dev.tokenmeter.pricing;

import dev.tokenmeter.usage.TokenType;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads the native YAML price format (DESIGN section 3). It works on SnakeYAML's node tree rather
 * than on constructed objects so that every error can name its line, and so that prices are
 * taken from the scalar's text as exact decimals: a YAML float never passes through a double.
 */
final class NativePriceFile {

  static final int VERSION = 1;

  private static final Set<String> TOP_KEYS = Set.of("version", "checked_on", "models");
  private static final Set<String> MODEL_KEYS =
      Set.of("name", "provider", "aliases", "match", "per_million", "long_context");
  private static final Set<String> TIER_KEYS = Set.of("above_tokens", "per_million");
  private static final Set<String> PRICE_KEYS = priceKeys();
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
  private static final Pattern WHOLE = Pattern.compile("[+-]?\\d[\\d_]*");

  private final String file;

  private static Set<String> priceKeys() {
    Set<String> keys = new HashSet<>();
    for (TokenType t : TokenType.all()) {
      keys.add(t.label());
    }
    return Set.copyOf(keys);
  }

  private NativePriceFile(String file) {
    this.file = file;
  }

  /** @throws PriceFileException naming file, line and field of the first problem */
  static PriceBook parse(String content, String file) {
    return new NativePriceFile(file).parse(content);
  }

  private PriceBook parse(String content) {
    Node root;
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(20);
    try {
      root = new Yaml(options).compose(new StringReader(content));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      throw new PriceFileException(file, mark == null ? 0 : mark.getLine() + 1, "",
          "invalid YAML: " + e.getProblem());
    } catch (ReaderException e) {
      // A character YAML does not allow (a control character, a lone surrogate): SnakeYAML gives
      // its position in the text, not its line.
      throw new PriceFileException(file, lineAt(content, e.getPosition()), "",
          "invalid YAML: " + e.getMessage() + String.format(" (U+%04X)", e.getCodePoint()));
    } catch (YAMLException e) {
      throw new PriceFileException(file, limitLine(content, options), "", "invalid YAML: " + e.getMessage());
    } catch (NumberFormatException e) {
      // SnakeYAML's scanner parses the hex of an escape such as "\x without checking that the
      // file has the digits: it can only run out at the end of the file.
      throw new PriceFileException(file, (int) content.lines().count(), "",
          "invalid YAML: the file ends inside an escape sequence of a double-quoted string");
    }
    if (root == null) {
      throw new PriceFileException(file, 1, "", "empty price file, expected version and models");
    }
    Map<String, NodeTuple> top = mapping(root, "", TOP_KEYS);
    NodeTuple version = top.get("version");
    if (version == null) {
      throw error(root, "version", "required, expected " + VERSION);
    }
    String v = scalarText(version.getValueNode(), "version", "the format version");
    if (!v.equals(String.valueOf(VERSION))) {
      throw error(version.getValueNode(), "version", "unsupported version " + quote(v) + ", expected " + VERSION);
    }
    LocalDate checkedOn = null;
    NodeTuple checked = top.get("checked_on");
    if (checked != null) {
      String text = scalarText(checked.getValueNode(), "checked_on", "a date YYYY-MM-DD");
      try {
        checkedOn = LocalDate.parse(text);
      } catch (DateTimeParseException e) {
        throw error(checked.getValueNode(), "checked_on", "expected a date YYYY-MM-DD, got " + quote(text));
      }
    }
    NodeTuple models = top.get("models");
    if (models == null) {
      throw error(root, "models", "required, a list of models");
    }
    if (!(models.getValueNode() instanceof SequenceNode)) {
      throw error(models.getValueNode(), "models", "expected a list of models, got " + kind(models.getValueNode()));
    }
    List<ModelPrice> prices = new ArrayList<>();
    // Lower-cased names and aliases to where they were first given: PriceBook matches without case.
    Map<String, String> seen = new HashMap<>();
    List<Node> items = ((SequenceNode) models.getValueNode()).getValue();
    for (int i = 0; i < items.size(); i++) {
      prices.add(model(items.get(i), "models[" + i + "]", seen));
    }
    return PriceBook.of(prices, file, checkedOn);
  }

  private ModelPrice model(Node node, String path, Map<String, String> seen) {
    Map<String, NodeTuple> m = mapping(node, path, MODEL_KEYS);
    NodeTuple nameTuple = m.get("name");
    if (nameTuple == null) {
      throw error(node, path + ".name", "required");
    }
    String name = nonEmpty(nameTuple.getValueNode(), path + ".name");
    claim(name, nameTuple.getValueNode(), path + ".name", seen);
    ModelPrice.Builder b = ModelPrice.builder(name);
    NodeTuple provider = m.get("provider");
    if (provider != null) {
      b.provider(nonEmpty(provider.getValueNode(), path + ".provider"));
    }
    NodeTuple aliases = m.get("aliases");
    if (aliases != null) {
      b.aliases(aliases(aliases.getValueNode(), path + ".aliases", name, seen));
    }
    NodeTuple match = m.get("match");
    if (match != null) {
      String regex = nonEmpty(match.getValueNode(), path + ".match");
      try {
        b.match(Pattern.compile(regex));
      } catch (PatternSyntaxException e) {
        throw error(match.getValueNode(), path + ".match",
            "invalid regex " + quote(regex) + ": " + e.getDescription() + " near index " + e.getIndex());
      }
    }
    NodeTuple base = m.get("per_million");
    if (base == null) {
      throw error(node, path + ".per_million", "required, with at least input and output");
    }
    b.base(prices(base.getValueNode(), path + ".per_million"));
    NodeTuple tier = m.get("long_context");
    if (tier != null) {
      String tierPath = path + ".long_context";
      Map<String, NodeTuple> t = mapping(tier.getValueNode(), tierPath, TIER_KEYS);
      NodeTuple above = t.get("above_tokens");
      if (above == null) {
        throw error(tier.getValueNode(), tierPath + ".above_tokens", "required");
      }
      long aboveTokens = positiveWhole(above.getValueNode(), tierPath + ".above_tokens");
      NodeTuple tierPrices = t.get("per_million");
      if (tierPrices == null) {
        throw error(tier.getValueNode(), tierPath + ".per_million", "required, with at least input and output");
      }
      b.longContext(aboveTokens, prices(tierPrices.getValueNode(), tierPath + ".per_million"));
    }
    return b.build();
  }

  private List<String> aliases(Node node, String path, String name, Map<String, String> seen) {
    if (!(node instanceof SequenceNode)) {
      throw error(node, path, "expected a list of names, got " + kind(node));
    }
    List<String> out = new ArrayList<>();
    List<Node> items = ((SequenceNode) node).getValue();
    for (int i = 0; i < items.size(); i++) {
      String alias = nonEmpty(items.get(i), path + "[" + i + "]");
      if (!alias.equalsIgnoreCase(name)) {
        claim(alias, items.get(i), path + "[" + i + "]", seen);
      }
      out.add(alias);
    }
    return out;
  }

  /** Names and aliases must be unique across the file, or matching would depend on order. */
  private void claim(String name, Node node, String path, Map<String, String> seen) {
    String where = path + " (line " + line(node) + ")";
    String previous = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), where);
    if (previous != null) {
      throw error(node, path, "duplicate model name " + quote(name) + ", already given at " + previous);
    }
  }

  private Prices prices(Node node, String path) {
    Map<String, NodeTuple> m = mapping(node, path, PRICE_KEYS);
    Prices.Builder b = Prices.builder();
    for (TokenType t : TokenType.all()) {
      NodeTuple tuple = m.get(t.label());
      if (tuple == null) {
        if (t == TokenType.INPUT || t == TokenType.OUTPUT) {
          throw error(node, path + "." + t.label(), "required");
        }
        continue;
      }
      b.set(t, decimal(tuple.getValueNode(), path + "." + t.label()));
    }
    return b.build();
  }

  private BigDecimal decimal(Node node, String path) {
    String text = scalarText(node, path, "a decimal number");
    if (!DECIMAL.matcher(text).matches()) {
      throw error(node, path, "expected a decimal number, got " + quote(text));
    }
    BigDecimal v;
    try {
      v = new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw error(node, path, "number out of range: " + text); // an exponent past an int
    }
    if (v.signum() < 0) {
      throw error(node, path, "a price must not be negative, got " + text);
    }
    String range = Prices.outOfRange(v);
    if (range != null) {
      throw error(node, path, range + ", got " + text);
    }
    return v;
  }

  private long positiveWhole(Node node, String path) {
    String text = scalarText(node, path, "a whole number of tokens");
    if (!WHOLE.matcher(text).matches()) {
      throw error(node, path, "expected a whole number of tokens, got " + quote(text));
    }
    long v;
    try {
      v = Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw error(node, path, "number too large: " + text);
    }
    if (v <= 0) {
      throw error(node, path, "must be positive, got " + text);
    }
    return v;
  }

  private String nonEmpty(Node node, String path) {
    String text = scalarText(node, path, "a string");
    if (text.isBlank()) {
      throw error(node, path, "must not be empty");
    }
    return text;
  }

  /** The text of a scalar; a YAML null or a list or mapping is an error naming what was wanted. */
  private String scalarText(Node node, String path, String wanted) {
    if (!(node instanceof ScalarNode) || node.getTag().equals(Tag.NULL)) {
      throw error(node, path, "expected " + wanted + ", got " + kind(node));
    }
    return ((ScalarNode) node).getValue();
  }

  /** The keys of a mapping, checked against the allowed ones and for duplicates. */
  private Map<String, NodeTuple> mapping(Node node, String path, Set<String> allowed) {
    if (!(node instanceof MappingNode)) {
      throw error(node, path.isEmpty() ? "" : path, "expected a mapping, got " + kind(node));
    }
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : ((MappingNode) node).getValue()) {
      Node k = t.getKeyNode();
      String key = k instanceof ScalarNode ? ((ScalarNode) k).getValue() : null;
      String keyPath = path.isEmpty() ? String.valueOf(key) : path + "." + key;
      if (key == null || !allowed.contains(key)) {
        throw error(k, keyPath, "unknown key, expected one of " + new TreeSet<>(allowed));
      }
      if (out.putIfAbsent(key, t) != null) {
        throw error(k, keyPath, "duplicate key");
      }
    }
    return out;
  }

  private PriceFileException error(Node node, String path, String problem) {
    return new PriceFileException(file, line(node), path, problem);
  }

  /**
   * The line where the YAML events first cross the composer's limits (nesting depth, aliases of
   * collections): SnakeYAML reports those without a mark. 0 when no event does.
   */
  static int limitLine(String content, LoaderOptions options) {
    int depth = 0;
    int collectionAliases = 0;
    Set<String> collectionAnchors = new HashSet<>();
    try {
      for (Event e : new Yaml().parse(new StringReader(content))) {
        boolean over = false;
        if (e instanceof CollectionStartEvent) {
          over = ++depth > options.getNestingDepthLimit();
          if (((NodeEvent) e).getAnchor() != null) {
            collectionAnchors.add(((NodeEvent) e).getAnchor());
          }
        } else if (e instanceof CollectionEndEvent) {
          depth--;
        } else if (e instanceof AliasEvent && collectionAnchors.contains(((AliasEvent) e).getAnchor())) {
          over = ++collectionAliases > options.getMaxAliasesForCollections();
        }
        if (over) {
          return e.getStartMark() == null ? 0 : e.getStartMark().getLine() + 1;
        }
      }
    } catch (YAMLException e) {
      // The events went wrong before the limit: nothing better to say than no line.
    }
    return 0;
  }

  /** The 1-based line of the code point at {@code position}. */
  static int lineAt(String content, int position) {
    int line = 1;
    for (int i = 0, cp = 0; i < content.length() && cp < position; i += Character.charCount(content.codePointAt(i)), cp++) {
      if (content.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  private static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    if (node.getTag().equals(Tag.NULL)) {
      return "nothing";
    }
    return quote(((ScalarNode) node).getValue());
  }

  private static String quote(String s) {
    return '"' + s + '"';
  }
}
