package io.gatehouse.cli.connect;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.PemFiles;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse connect}: an MCP server on stdio for the host, relaying to a Gatehouse server
 * over mutual TLS with the given certificate. stdout carries only JSON-RPC; logs go to stderr.
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
    description = {"A local stdio MCP server that relays to a Gatehouse MCP server over mutual TLS, so"
        + " hosts that cannot present a client certificate (Claude Desktop, VS Code, Cursor, the MCP"
        + " Inspector) use yours. The host starts it; stdout carries only JSON-RPC, logs go to stderr.",
        "The key file must be 0600. With --renew-from the certificate renews itself over EST at two thirds"
            + " of its lifetime; the host's session continues. Configs for each host: docs/clients.md."})
public final class ConnectCommand implements Callable<Integer> {
  @Option(names = "--url", required = true, paramLabel = "URL",
      description = "The Gatehouse MCP endpoint, e.g. https://mcp.internal:8443/mcp.")
  URI url;

  @Option(names = "--cert", required = true, paramLabel = "FILE", description = "Client certificate (PEM, leaf first).")
  Path certificateFile;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "Its private key (PKCS#8 PEM, mode 0600).")
  Path keyFile;

  @Option(names = "--ca", paramLabel = "FILE",
      description = "CA bundle to trust for the server (default: the JDK's trust store). Required with --renew-from.")
  Path caBundle;

  @Option(names = "--renew-from", paramLabel = "URL",
      description = "The CA's HTTPS (EST) URL: renew the certificate at two thirds of its lifetime while connected.")
  String renewFrom;

  @Option(names = "--token-from", paramLabel = "URL", hidden = true,
      description = "Not implemented yet: a certificate-bound token from the CA service.")
  String tokenFrom;

  @Override
  public Integer call() throws Exception {
    // The protocol owns stdout: keep a private handle on it and point System.out at stderr, so
    // nothing else (a library, a stray println) can corrupt the stream.
    PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    if (!"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      throw new InvalidRequestException("--url must be an https:// URL with a host, not " + url);
    }
    if (tokenFrom != null) {
      throw new InvalidRequestException("--token-from is not implemented yet; use the certificate (mutual TLS)");
    }
    if (renewFrom != null && caBundle == null) {
      throw new InvalidRequestException("--renew-from needs --ca (the CA bundle with its root) to verify the CA");
    }
    BridgeTls.requireOwnerOnly(keyFile);
    X509Certificate certificate = PemFiles.readCertificate(certificateFile);
    AtomicReference<X509Certificate> current = new AtomicReference<>(certificate);
    Bridge bridge = new Bridge(url, BridgeTls.context(certificateFile, keyFile, caBundle), current::get, protocol);
    var log = LoggerFactory.getLogger(ConnectCommand.class);
    log.info("relaying stdio to {} as {} (certificate valid until {})", url,
        certificate.getSubjectX500Principal().getName(), certificate.getNotAfter().toInstant());
    if (renewFrom != null) {
      CertificateRenewal renewal = new CertificateRenewal(renewFrom, CertificateRenewal.root(caBundle),
          certificateFile, keyFile, fresh -> {
            try {
              bridge.useTls(BridgeTls.context(certificateFile, keyFile, caBundle));
              current.set(fresh);
            } catch (CaException e) {
              log.error("the renewed certificate could not be loaded: {}", e.getMessage());
            }
          });
      Thread renewer = new Thread(renewal, "gatehouse-connect-renew");
      renewer.setDaemon(true);
      renewer.start();
    }
    bridge.run(System.in);
    return 0;
  }
}
