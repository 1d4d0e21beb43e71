package io.gatehouse.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sections of {@code RESULTS.md} that a suite run on its own owns (e.g. {@code ./gatehouse bench
 * ca-store}): each between {@code <!-- section:NAME -->} and {@code <!-- /section:NAME -->}. A
 * suite replaces its own section (or appends it); the main report carries them over when it
 * rewrites the file, so one run does not erase another's measurements.
 */
public final class ResultsSections {
  private ResultsSections() {}

  /** The opening marker of section {@code name}. */
  public static String begin(String name) {
    return "<!-- section:" + name + " -->";
  }

  /** The closing marker of section {@code name}. */
  public static String end(String name) {
    return "<!-- /section:" + name + " -->";
  }

  /** Every marked section of {@code markdown}, markers included, in file order. */
  public static List<String> all(String markdown) {
    List<String> sections = new ArrayList<>();
    int from = 0;
    while (true) {
      int start = markdown.indexOf("<!-- section:", from);
      if (start < 0) {
        return sections;
      }
      int nameEnd = markdown.indexOf(" -->", start);
      if (nameEnd < 0) {
        return sections;
      }
      String close = end(markdown.substring(start + "<!-- section:".length(), nameEnd));
      int stop = markdown.indexOf(close, nameEnd);
      if (stop < 0) {
        return sections;
      }
      sections.add(markdown.substring(start, stop + close.length()));
      from = stop + close.length();
    }
  }

  /** The marked sections of the file at {@code file}; none when it does not exist. */
  public static List<String> of(Path file) throws IOException {
    return Files.isRegularFile(file) ? all(Files.readString(file, StandardCharsets.UTF_8)) : List.of();
  }

  /**
   * {@code markdown} with section {@code name} replaced by {@code body} (which carries no markers),
   * or with it appended when there was none.
   */
  public static String replace(String markdown, String name, String body) {
    String block = begin(name) + "\n" + body.strip() + "\n" + end(name);
    int start = markdown.indexOf(begin(name));
    int stop = start < 0 ? -1 : markdown.indexOf(end(name), start);
    if (start < 0 || stop < 0) {
      return markdown.stripTrailing() + (markdown.isBlank() ? "" : "\n\n") + block + "\n";
    }
    return markdown.substring(0, start) + block + markdown.substring(stop + end(name).length());
  }

  /** Replaces (or appends) section {@code name} of the file at {@code file}, creating the file if needed. */
  public static void write(Path file, String name, String body) throws IOException {
    String current = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    Files.writeString(file, replace(current, name, body), StandardCharsets.UTF_8);
  }
}
