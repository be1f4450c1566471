package dev.tokenmeter.pricing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a price file in either format, told apart by its content, never by its extension (users
 * drop in LiteLLM's file under any name, and a native book may be written in JSON syntax):
 *
 * <ul>
 *   <li>a JSON object with a top-level {@code version} or {@code models} key, or any document that
 *       does not start with an object, is the native format (YAML, of which JSON is a subset);
 *   <li>a JSON object whose members are objects with {@code *_cost_per_token} keys is LiteLLM's.
 * </ul>
 */
public final class PriceBookLoader {

  private static final JsonFactory JSON = new JsonFactory();

  private PriceBookLoader() {}

  /**
   * Reads and parses a price file.
   *
   * @throws PriceFileException if the content is not a valid price file; the message names the
   *     file, line and field
   * @throws IOException if the file cannot be read
   */
  public static LoadResult load(Path file) throws IOException {
    return parse(read(file), file.toString());
  }

  /**
   * Parses price file content; {@code file} names it in messages and in {@link PriceBook#source()}.
   *
   * @throws PriceFileException if the content is not a valid price file
   */
  public static LoadResult parse(String content, String file) {
    if (!content.isEmpty() && content.charAt(0) == '\uFEFF') {
      content = content.substring(1);
    }
    if (detect(content) == LoadResult.Format.LITELLM) {
      return LiteLlmPriceFile.parse(content, file);
    }
    PriceBook book = NativePriceFile.parse(content, file);
    return new LoadResult(book, LoadResult.Format.NATIVE, List.of());
  }

  /** The file's format, from its first decisive top-level member. */
  static LoadResult.Format detect(String content) {
    int i = 0;
    while (i < content.length() && Character.isWhitespace(content.charAt(i))) {
      i++;
    }
    if (i == content.length() || content.charAt(i) != '{') {
      return LoadResult.Format.NATIVE;
    }
    try (JsonParser p = JSON.createParser(content)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (name.equals("version") || name.equals("models")) {
          return LoadResult.Format.NATIVE;
        }
        if (p.nextToken() == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (p.currentName().endsWith("_cost_per_token")) {
              return LoadResult.Format.LITELLM;
            }
            p.nextToken();
            p.skipChildren();
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      // Not valid JSON: a YAML flow mapping such as "{version: 1, ...}" is native; anything else
      // goes to the LiteLLM reader, which reports the JSON error with its line.
      return content.matches("(?s)\\s*\\{\\s*['\"]?(?:version|models)\\b.*")
          ? LoadResult.Format.NATIVE
          : LoadResult.Format.LITELLM;
    }
    return LoadResult.Format.LITELLM;
  }

  /** The file as strict UTF-8, so that a mis-encoded file fails here rather than as odd names. */
  static String read(Path file) throws IOException {
    return decode(Files.readAllBytes(file), file.toString());
  }

  static String decode(byte[] bytes, String file) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PriceFileException(file, 0, "", "not UTF-8 text");
    }
  }
}
