/** Atomic, permission-correct file writes (0600 secrets, 0644 public files). */
package io.gatehouse.pki.files;
