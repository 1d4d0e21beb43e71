/** PEM reading and writing of certificates and (encrypted) PKCS#8 keys. */
package io.gatehouse.pki.pem;
