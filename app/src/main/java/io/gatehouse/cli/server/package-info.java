/** {@code gatehouse server}: runs the example server ({@code io.gatehouse.example}) from its configuration layers, or prints the effective configuration. */
package io.gatehouse.cli.server;
