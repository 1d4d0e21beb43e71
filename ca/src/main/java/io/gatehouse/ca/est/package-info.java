/** RFC 7030 EST: enrollment tokens, the server endpoints under /.well-known/est/ and the client. */
package io.gatehouse.ca.est;
