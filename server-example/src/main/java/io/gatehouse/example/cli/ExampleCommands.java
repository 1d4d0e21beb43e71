package io.gatehouse.example.cli;

import io.gatehouse.ca.cli.CliExtension;
import io.gatehouse.transport.auth.apikey.ApiKeyCommand;

/**
 * The commands this module adds to {@code gatehouse} through {@link CliExtension} (listed in
 * {@code META-INF/services/io.gatehouse.ca.cli.CliExtension}): {@code server}, {@code demo}, {@code connect}, and
 * the transport's {@code apikey}.
 */
public final class ExampleCommands {
  private ExampleCommands() {}

  /** {@code gatehouse server}. */
  public static final class Server implements CliExtension {
    @Override
    public String name() {
      return "server";
    }

    @Override
    public Object command() {
      return ServerCommand.create(System.getenv());
    }
  }

  /** {@code gatehouse demo}. */
  public static final class Demo implements CliExtension {
    @Override
    public String name() {
      return "demo";
    }

    @Override
    public Object command() {
      return DemoCommand.class;   // a class: the CLI's factory creates it with its CliEnvironment
    }
  }

  /** {@code gatehouse connect}: the stdio MCP bridge. */
  public static final class Connect implements CliExtension {
    @Override
    public String name() {
      return "connect";
    }

    @Override
    public Object command() {
      return new io.gatehouse.example.connect.ConnectCommand();
    }
  }

  /** {@code gatehouse apikey} (the command lives in transport, which cannot see this SPI's users). */
  public static final class ApiKey implements CliExtension {
    @Override
    public String name() {
      return "apikey";
    }

    @Override
    public Object command() {
      return new ApiKeyCommand();
    }
  }
}
