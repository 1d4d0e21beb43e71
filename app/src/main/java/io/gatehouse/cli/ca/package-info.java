/** The CA's commands: {@code ca …} (init, issue, sign, revoke, list, crl, renew, serve, db, provisioner, verify), {@code token}, and the client side of EST ({@code bootstrap}, {@code enroll}, {@code renew}). */
package io.gatehouse.cli.ca;
