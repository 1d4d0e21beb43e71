package io.gatehouse.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads code blocks out of the project's README.md, so tests run what the README says. */
final class Readme {
  private Readme() {}

  /** The first {@code ```lang} block after the line {@code heading}. */
  static String block(String heading, String lang) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("../README.md"));
    int at = lines.indexOf(heading);
    if (at < 0) {
      throw new AssertionError("README.md has no heading " + heading);
    }
    int start = at + 1;
    while (!lines.get(start).equals("```" + lang)) {
      start++;
    }
    int end = start + 1;
    while (!lines.get(end).equals("```")) {
      end++;
    }
    return String.join("\n", lines.subList(start + 1, end)) + "\n";
  }
}
