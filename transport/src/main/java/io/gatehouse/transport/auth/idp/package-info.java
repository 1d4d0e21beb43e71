/** Delegation to external identity providers: discovery, per-issuer roles, routing by issuer. */
package io.gatehouse.transport.auth.idp;
