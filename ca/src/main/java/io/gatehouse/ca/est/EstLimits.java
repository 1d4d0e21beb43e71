package io.gatehouse.ca.est;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.provisioner.Provisioner;
import java.util.List;

/**
 * The provisioner's limits, checked when a token is minted and again, against the provisioner as
 * it is now, at enrollment and at every re-enrollment.
 */
final class EstLimits {
  private EstLimits() {}

  static void checkClient(Provisioner provisioner, String name, List<String> roles)
      throws InvalidRequestException {
    if (provisioner.kind() != Provisioner.Kind.CLIENT) {
      throw new InvalidRequestException("provisioner '" + provisioner.name() + "' issues server certificates");
    }
    if (roles.isEmpty()) {
      throw new InvalidRequestException("no roles requested");
    }
    List<String> outside = provisioner.rolesOutside(roles);
    if (!outside.isEmpty()) {
      throw new InvalidRequestException("role(s) " + String.join(",", outside) + " outside provisioner '"
          + provisioner.name() + "' (it grants " + String.join(",", provisioner.roles()) + ")");
    }
    if (!provisioner.allowsName(name)) {
      throw new InvalidRequestException("name '" + name + "' does not match provisioner '"
          + provisioner.name() + "' name pattern '" + provisioner.namePattern() + "'");
    }
  }

  static void checkServer(Provisioner provisioner, List<String> dns, List<String> ips)
      throws InvalidRequestException {
    if (provisioner.kind() != Provisioner.Kind.SERVER) {
      throw new InvalidRequestException("provisioner '" + provisioner.name() + "' issues client certificates");
    }
    for (String name : dns) {
      if (!provisioner.allowsDns(name)) {
        throw new InvalidRequestException("DNS name '" + name + "' does not match provisioner '"
            + provisioner.name() + "' DNS patterns " + provisioner.dnsPatterns());
      }
    }
    for (String ip : ips) {
      if (!provisioner.allowsIp(ip)) {
        throw new InvalidRequestException("IP address '" + ip + "' is outside provisioner '"
            + provisioner.name() + "' IP patterns " + provisioner.ipPatterns());
      }
    }
  }
}
