/**
 * Leaf certificate profiles (client, server, OCSP signer), CSR signing, renewal, and the files of an issued leaf. Every certificate is stored before it is returned or written.
 */
package io.gatehouse.ca.issue;
