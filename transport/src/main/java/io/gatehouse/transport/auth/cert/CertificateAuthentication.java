package io.gatehouse.transport.auth.cert;


/** Client-certificate authentication from its {@code auth.certificate} section. */
public final class CertificateAuthentication {
  private CertificateAuthentication() {}

  /** The authenticator {@code config} describes (which must be enabled). */
  public static ClientCertificateAuthenticator fromConfig(CertificateConfig config) {
    ClientCertificateAuthenticator.Builder b =
        ClientCertificateAuthenticator.builder().clockSkew(config.clockSkew());
    if (config.trustDomain() != null) {
      b.trustDomain(config.trustDomain());
    }
    return b.build();
  }
}
