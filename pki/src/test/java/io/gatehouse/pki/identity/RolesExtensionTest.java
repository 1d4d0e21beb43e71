package io.gatehouse.pki.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.ASN1Encodable;
import org.junit.jupiter.api.Test;

class RolesExtensionTest {
  @Test
  void roundTripsRolesInOrderWithoutDuplicates() throws Exception {
    byte[] der = RolesExtension.encodeValue(List.of("manager", "hr.reader", "manager"));
    assertThat(RolesExtension.decodeValue(der)).containsExactly("manager", "hr.reader");
  }

  @Test
  void extensionIsNonCriticalUnderGatehouseArc() throws Exception {
    var ext = RolesExtension.toExtension(List.of("viewer"));
    assertThat(ext.isCritical()).isFalse();
    assertThat(ext.getExtnId().getId()).isEqualTo("2.25.247206763756750229341921405081419835453.1");
  }

  @Test
  void rejectsInvalidRoleNames() {
    for (String bad : List.of("", "Admin", "-x", "a b", "a/b", "x".repeat(65), "rôle")) {
      assertThatThrownBy(() -> RolesExtension.encodeValue(List.of(bad)))
          .as(bad)
          .isInstanceOf(IdentityFormatException.class);
    }
  }

  @Test
  void rejectsMalformedValues() throws Exception {
    byte[] notUtf8 = new DERSequence(new ASN1Encodable[] {new DERIA5String("admin")}).getEncoded();
    byte[] empty = new DERSequence().getEncoded();
    byte[] badName = new DERSequence(new ASN1Encodable[] {new DERUTF8String("Admin")}).getEncoded();
    byte[] duplicate =
        new DERSequence(new ASN1Encodable[] {new DERUTF8String("a"), new DERUTF8String("a")})
            .getEncoded();
    for (byte[] value : List.of(notUtf8, empty, badName, duplicate, new byte[] {0x30, 0x05, 0x0c},
        new byte[0])) {
      assertThatThrownBy(() -> RolesExtension.decodeValue(value))
          .isInstanceOf(IdentityFormatException.class);
    }
  }

  @Test
  void spiffeIdsFollowTheSpec() throws Exception {
    SpiffeId alice = SpiffeId.forClient("gatehouse.local", "alice");
    assertThat(alice.toUri()).isEqualTo("spiffe://gatehouse.local/client/alice");
    assertThat(SpiffeId.parse(alice.toUri())).isEqualTo(alice);
    assertThat(alice.name()).isEqualTo("alice");
    for (String bad : List.of("https://x/client/a", "spiffe://X/a", "spiffe://x:1/a",
        "spiffe://x/a?q", "spiffe://x/a#f", "spiffe://x/../a", "spiffe://x", "spiffe://u@x/a",
        "spiffe://x/a//b")) {
      assertThatThrownBy(() -> SpiffeId.parse(bad)).as(bad).isInstanceOf(IdentityFormatException.class);
    }
  }
}
