/** Certificate plumbing shared by the CA and the transport: the one BouncyCastle provider and the error type. */
package io.gatehouse.pki;
