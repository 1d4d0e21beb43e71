/** The {@code gatehouse} command: the picocli root, its environment (secrets, clock) and error reporting; the only place that knows every command. */
package io.gatehouse.cli;
