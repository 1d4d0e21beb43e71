/**
 * The {@code gatehouse} picocli command tree and its extension SPI ({@link io.gatehouse.ca.cli.CliExtension}).
 */
package io.gatehouse.ca.cli;
