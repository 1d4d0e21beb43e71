package io.gatehouse.cli.apikey;

import io.gatehouse.transport.auth.apikey.ApiKeyRecord;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.CreatedKey;

import io.gatehouse.pki.identity.SpiffeId;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gatehouse apikey create|list|revoke}: manages the API-key file. Self-contained: run it
 * with {@code new CommandLine(new ApiKeyCommand()).execute(args)} or add it as a subcommand.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error; errors are one line on stderr.
 */
@Command(
    name = "apikey",
    description = "Create, list and revoke API keys (only their SHA-256 hashes are stored).",
    subcommands = {
      ApiKeyCommand.Create.class,
      ApiKeyCommand.ListKeys.class,
      ApiKeyCommand.Revoke.class,
      CommandLine.HelpCommand.class
    })
public final class ApiKeyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing subcommand: create, list or revoke");
  }

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** The {@code --file} option every subcommand takes. */
  static final class FileOption {
    @Option(
        names = "--file",
        paramLabel = "FILE",
        description = "API-key file (default: ${DEFAULT-VALUE}).",
        defaultValue = ApiKeyStore.DEFAULT_PATH)
    Path file;
  }

  /** Shared error handling: one line on stderr, exit 1 for runtime failures. */
  abstract static class Subcommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FileOption fileOption;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public final Integer call() {
      try {
        run(ApiKeyStore.open(fileOption.file), spec.commandLine().getOut());
        return CommandLine.ExitCode.OK;
      } catch (IOException | IllegalStateException e) {
        spec.commandLine().getErr().println("error: " + e.getMessage());
        return CommandLine.ExitCode.SOFTWARE;
      }
    }

    abstract void run(ApiKeyStore store, PrintWriter out) throws IOException;
  }

  @Command(
      name = "create",
      description = "Create a key; prints it once on stdout (store it now).")
  static final class Create extends Subcommand {
    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Who or what the key is for.")
    String name;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "A role; repeat for several.")
    List<String> roles;

    @Option(names = "--json", description = "Print id, name, roles and key as JSON.")
    boolean json;

    @Option(names = "--spiffe-id", paramLabel = "ID", description = "Authenticate as this"
        + " SPIFFE ID (the same principal as the certificate naming it), e.g."
        + " spiffe://gatehouse.local/client/alice; default: the key's own id.")
    String spiffeId;

    @Option(names = "--trust-domain", paramLabel = "DOMAIN", defaultValue = SpiffeId.DEFAULT_TRUST_DOMAIN,
        description = "The trust domain --spiffe-id must be in (ca init --trust-domain;"
            + " default: ${DEFAULT-VALUE}).")
    String trustDomain;

    @Override
    void run(ApiKeyStore store, PrintWriter out) throws IOException {
      CreatedKey created;
      try {
        if (spiffeId != null && !spiffeId.startsWith("spiffe://" + trustDomain + "/")) {
          throw new IllegalArgumentException("--spiffe-id " + spiffeId
              + " is not in trust domain " + trustDomain + " (see --trust-domain)");
        }
        created = store.create(name, roles, spiffeId);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      ApiKeyRecord r = created.record();
      if (json) {
        Map<String, Object> view = view(r);
        view.put("key", created.key());
        out.println(JSON.writeValueAsString(view));
      } else {
        out.println(created.key());
      }
      spec.commandLine()
          .getErr()
          .printf(
              "Created API key %s (name %s, roles %s%s) in %s.%nThe key is shown only this once;"
                  + " send it as header X-API-Key.%n",
              r.id(), r.name(), String.join(",", r.roles()),
              r.spiffeId() == null ? "" : ", principal " + r.spiffeId(), store.file());
    }
  }

  @Command(name = "list", description = "List keys (never secrets).")
  static final class ListKeys extends Subcommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    void run(ApiKeyStore store, PrintWriter out) throws IOException {
      List<ApiKeyRecord> keys = store.list();
      if (json) {
        out.println(JSON.writeValueAsString(keys.stream().map(ApiKeyCommand::view).toList()));
        return;
      }
      String format = "%-16s  %-20s  %-24s  %-20s  %-28s  %s%n";
      out.printf(format, "ID", "NAME", "ROLES", "CREATED", "STATUS", "PRINCIPAL");
      for (ApiKeyRecord r : keys) {
        out.printf(
            format, r.id(), r.name(), String.join(",", r.roles()), r.created(),
            r.revoked() ? "revoked " + r.revokedAt() : "active",
            r.spiffeId() != null ? r.spiffeId() : r.id());
      }
    }
  }

  @Command(name = "revoke", description = "Revoke a key by id.")
  static final class Revoke extends Subcommand {
    @Option(names = "--id", required = true, paramLabel = "ID", description = "The key id (see apikey list).")
    String id;

    @Override
    void run(ApiKeyStore store, PrintWriter out) throws IOException {
      try {
        ApiKeyRecord r = store.revoke(id);
        out.printf("Revoked API key %s (%s); running servers refuse it within a second.%n",
            r.id(), r.name());
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage());
      }
    }
  }

  private static Map<String, Object> view(ApiKeyRecord r) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", r.id());
    view.put("name", r.name());
    view.put("roles", r.roles());
    if (r.spiffeId() != null) {
      view.put("spiffeId", r.spiffeId());
    }
    view.put("created", r.created().toString());
    view.put("revoked", r.revoked());
    view.put("revokedAt", r.revokedAt() == null ? null : r.revokedAt().toString());
    return view;
  }
}
