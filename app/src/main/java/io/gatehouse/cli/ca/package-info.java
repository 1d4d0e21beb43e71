/**
 * The {@code gatehouse} picocli command tree and its extension SPI ({@link io.gatehouse.cli.ca.CliExtension}).
 */
package io.gatehouse.cli.ca;
