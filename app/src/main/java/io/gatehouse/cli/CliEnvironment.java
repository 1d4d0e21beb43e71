package io.gatehouse.cli;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CaInitializer;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.SecureFiles;
import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.security.MessageDigest;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;

/**
 * What the CLI takes from its surroundings: environment variables, a terminal to prompt on, and
 * the clock. The real {@code main} uses {@link #system()}; tests pass their own, so passphrase
 * handling is tested in-process.
 *
 * @param env environment variables
 * @param prompt reads a secret from the terminal; null when there is no terminal
 * @param clock the time source for validity periods
 */
public record CliEnvironment(Map<String, String> env, SecretPrompt prompt, Clock clock) {
  /** Environment variable holding the CA passphrase. */
  public static final String CA_PASSPHRASE = "GATEHOUSE_CA_PASSPHRASE";

  /**
   * Suffix naming a file that holds a secret instead: {@code GATEHOUSE_CA_PASSPHRASE_FILE} (first
   * line; the file must not be readable by group or others).
   */
  public static final String FILE_SUFFIX = "_FILE";

  /** Environment variable holding the password of {@code --p12} bundles. */
  public static final String P12_PASSWORD = "GATEHOUSE_P12_PASSWORD";

  /** Reads a secret from a terminal without echo. */
  @FunctionalInterface
  public interface SecretPrompt {
    /** The typed secret, or null at end of input. */
    char[] read(String prompt);
  }

  public CliEnvironment {
    env = Map.copyOf(env);
  }

  /** The process environment, the console (if any) and the system clock. */
  public static CliEnvironment system() {
    Console console = System.console();
    SecretPrompt prompt = console == null ? null : console::readPassword;
    return new CliEnvironment(System.getenv(), prompt, Clock.systemUTC());
  }

  /**
   * The CA passphrase from {@value #CA_PASSPHRASE}, else from the file named by {@code
   * GATEHOUSE_CA_PASSPHRASE_FILE}, else from the terminal ({@code confirm}: typed
   * twice, for init). The caller wipes the returned array.
   */
  public char[] caPassphrase(boolean confirm) throws CaException {
    return secret(CA_PASSPHRASE, "CA passphrase", confirm, CaInitializer.MIN_PASSPHRASE_LENGTH);
  }

  /** Unlocks the issuing key of {@code ca} with the CA passphrase, wiping the passphrase after. */
  public IssuerKey unlock(CertificateAuthority ca) throws CaException {
    char[] passphrase = caPassphrase(false);
    try {
      return ca.unlock(passphrase);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }

  /** The PKCS#12 password from {@value #P12_PASSWORD}, else its {@code _FILE}, else the terminal (twice). */
  public char[] p12Password() throws CaException {
    return secret(P12_PASSWORD, "PKCS#12 password", true, 8);
  }

  private char[] secret(String variable, String what, boolean confirm, int minLength) throws CaException {
    String fromEnv = env.get(variable);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv.toCharArray();
    }
    String file = env.get(variable + FILE_SUFFIX);
    if (file != null && !file.isEmpty()) {
      return fromFile(Path.of(file), variable + FILE_SUFFIX);
    }
    if (prompt == null) {
      throw new CaException("no " + what + ": set " + variable + " or run in a terminal");
    }
    char[] first = prompt.read(what + ": ");
    if (first == null || first.length == 0) {
      throw new CaException("no " + what + " entered");
    }
    if (confirm) {
      if (first.length < minLength) {
        Arrays.fill(first, '\0');
        throw new CaException(what + " too short: use at least " + minLength + " characters");
      }
      char[] second = prompt.read("Repeat " + what + ": ");
      boolean same = second != null && MessageDigest.isEqual(utf8(first), utf8(second));
      if (second != null) {
        Arrays.fill(second, '\0');
      }
      if (!same) {
        Arrays.fill(first, '\0');
        throw new CaException("the two " + what + "s differ: try again");
      }
    }
    return first;
  }

  private static char[] fromFile(Path file, String variable) throws CaException {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        throw new CaException(variable + " names " + file + ", which others can read: chmod 600 it");
      }
      String content = Files.readString(file, StandardCharsets.UTF_8);
      int end = content.indexOf('\n');
      String line = (end < 0 ? content : content.substring(0, end)).replace("\r", "");
      if (line.isEmpty()) {
        throw new CaException(file + " (from " + variable + ") is empty");
      }
      return line.toCharArray();
    } catch (IOException | UnsupportedOperationException e) {
      throw new CaException("cannot read " + file + " (from " + variable + "): " + SecureFiles.reason(e), e);
    }
  }

  private static byte[] utf8(char[] chars) {
    java.nio.ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
    return Arrays.copyOf(bytes.array(), bytes.limit());
  }
}
