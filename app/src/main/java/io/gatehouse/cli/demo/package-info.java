/** {@code gatehouse demo}: the eight-step story (CA, server, certificates, JWTs, EST, revocation) run in-process through the same commands a user would type. */
package io.gatehouse.cli.demo;
