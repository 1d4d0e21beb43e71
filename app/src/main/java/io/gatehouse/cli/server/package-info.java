/** The {@code server}, {@code demo} and {@code apikey} commands, plugged into the CLI as extensions. */
package io.gatehouse.cli.server;
