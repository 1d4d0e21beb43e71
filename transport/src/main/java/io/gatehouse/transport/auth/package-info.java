/** What every authentication method shares: the principal, the result, the chain, credential leases. */
package io.gatehouse.transport.auth;
