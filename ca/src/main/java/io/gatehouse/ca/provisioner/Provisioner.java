package io.gatehouse.ca.provisioner;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/**
 * What one provisioner lets a requester get over EST (model: step-ca provisioners, Vault PKI
 * roles). A client provisioner bounds names (a glob) and roles; a server provisioner bounds DNS
 * names (globs) and IP addresses (CIDR blocks). Both bound the certificate lifetime.
 *
 * @param name the provisioner's name (same syntax as a client name)
 * @param kind client or server
 * @param roles the roles a client token may carry (a token carries a subset); empty for servers
 * @param namePattern glob over client names; {@code *} matches any run of name characters
 * @param dnsPatterns globs over server DNS names; {@code *} matches within one DNS label
 * @param ipPatterns CIDR blocks ({@code 10.0.0.0/8}) or single addresses a server may name
 * @param maxTtl the longest certificate lifetime this provisioner hands out
 */
public record Provisioner(String name, Kind kind, List<String> roles, String namePattern,
    List<String> dnsPatterns, List<String> ipPatterns, Duration maxTtl) {

  /** Name pattern when none is given: any valid name. */
  public static final String ANY_NAME = "*";
  /** Longest pattern accepted. */
  private static final int MAX_PATTERN = 253;
  private static final Pattern PROVISIONER_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern NAME_GLOB = Pattern.compile("[A-Za-z0-9._*-]{1,64}");
  private static final Pattern DNS_GLOB = Pattern.compile("[a-z0-9*]([a-z0-9*-]*)(\\.[a-z0-9*-]+)*");

  /** What a provisioner issues. */
  public enum Kind {
    CLIENT,
    SERVER;

    /** {@code client} or {@code server}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code client} or {@code server}. */
    public static Kind parse(String label) throws InvalidRequestException {
      for (Kind kind : values()) {
        if (kind.label().equals(label)) {
          return kind;
        }
      }
      throw new InvalidRequestException("unknown provisioner kind '" + label + "': use client or server");
    }
  }

  public Provisioner {
    roles = List.copyOf(roles);
    dnsPatterns = List.copyOf(dnsPatterns);
    ipPatterns = List.copyOf(ipPatterns);
  }

  /**
   * Checks the definition itself: a client provisioner needs at least one role and no DNS/IP
   * patterns; a server provisioner needs at least one DNS or IP pattern and no roles.
   */
  public Provisioner validate() throws InvalidRequestException {
    if (name == null || !PROVISIONER_NAME.matcher(name).matches()) {
      throw new InvalidRequestException("invalid provisioner name '" + name
          + "': use lowercase letters, digits, '.', '_' or '-', at most 64 characters");
    }
    if (maxTtl == null || maxTtl.isNegative() || maxTtl.isZero()) {
      throw new InvalidRequestException("--max-ttl must be positive");
    }
    if (kind == Kind.CLIENT) {
      try {
        if (RoleNames.validate(roles).isEmpty()) {
          throw new InvalidRequestException("a client provisioner needs at least one --role");
        }
      } catch (IdentityFormatException e) {
        throw new InvalidRequestException(e.getMessage());
      }
      if (!NAME_GLOB.matcher(namePattern).matches()) {
        throw new InvalidRequestException("invalid --name-pattern '" + namePattern
            + "': use name characters and '*'");
      }
      if (!dnsPatterns.isEmpty() || !ipPatterns.isEmpty()) {
        throw new InvalidRequestException("--dns-pattern and --ip-pattern are for --kind server");
      }
    } else {
      if (!roles.isEmpty()) {
        throw new InvalidRequestException("a server provisioner carries no --role");
      }
      if (dnsPatterns.isEmpty() && ipPatterns.isEmpty()) {
        throw new InvalidRequestException("a server provisioner needs at least one --dns-pattern or --ip-pattern");
      }
      for (String pattern : dnsPatterns) {
        if (pattern.length() > MAX_PATTERN || !DNS_GLOB.matcher(pattern).matches()) {
          throw new InvalidRequestException("invalid --dns-pattern '" + pattern
              + "': lowercase DNS labels, '*' matching within one label (e.g. '*.svc.internal')");
        }
      }
      for (String pattern : ipPatterns) {
        cidr(pattern);
      }
    }
    return this;
  }

  /** Whether a client {@code name} fits the name pattern. */
  public boolean allowsName(String clientName) {
    return glob(namePattern, "[A-Za-z0-9._-]*").matcher(clientName).matches();
  }

  /** The requested roles that this provisioner does not grant (empty when all are allowed). */
  public List<String> rolesOutside(List<String> requested) {
    return requested.stream().filter(role -> !roles.contains(role)).toList();
  }

  /** Whether a server DNS name fits one of the DNS patterns. */
  public boolean allowsDns(String dns) {
    String lower = dns.toLowerCase(Locale.ROOT);
    return dnsPatterns.stream().anyMatch(pattern -> glob(pattern, "[a-z0-9-]+").matcher(lower).matches());
  }

  /** Whether a server IP address lies in one of the IP blocks. */
  public boolean allowsIp(String ip) {
    byte[] address = literal(ip);
    if (address == null) {
      return false;
    }
    for (String pattern : ipPatterns) {
      try {
        Cidr block = cidr(pattern);
        if (block.contains(address)) {
          return true;
        }
      } catch (InvalidRequestException e) {
        // validated at creation; a stored bad pattern allows nothing
      }
    }
    return false;
  }

  private static Pattern glob(String glob, String star) {
    return Pattern.compile(joinGlob(glob, star));
  }

  private static String joinGlob(String glob, String star) {
    String[] parts = glob.split("\\*", -1);
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        regex.append(star);
      }
      if (!parts[i].isEmpty()) {
        regex.append(Pattern.quote(parts[i]));
      }
    }
    return regex.toString();
  }

  private record Cidr(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int bits = prefix;
      for (int i = 0; i < address.length && bits > 0; i++, bits -= 8) {
        int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
        if ((address[i] & mask) != (network[i] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private static Cidr cidr(String pattern) throws InvalidRequestException {
    int slash = pattern.indexOf('/');
    String host = slash < 0 ? pattern : pattern.substring(0, slash);
    try {
      byte[] network = literal(host);
      if (network == null) {
        throw new NumberFormatException();
      }
      int prefix = slash < 0 ? network.length * 8 : Integer.parseInt(pattern.substring(slash + 1));
      if (prefix < 0 || prefix > network.length * 8) {
        throw new NumberFormatException();
      }
      return new Cidr(network, prefix);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("invalid --ip-pattern '" + pattern
          + "': use an address or a CIDR block such as 10.0.0.0/8");
    }
  }

  /** The bytes of an IP literal, or null; never a DNS lookup (the literal is checked first). */
  private static byte[] literal(String ip) {
    if (ip == null || !IPAddress.isValid(ip)) {
      return null;
    }
    try {
      return InetAddress.getByName(ip).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
