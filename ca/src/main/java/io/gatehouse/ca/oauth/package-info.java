/** The CA service as an OAuth authorization server for machine clients: RFC 8414 metadata and a client_credentials token endpoint (RFC 8705 tls_client_auth, RFC 8707 resource). */
package io.gatehouse.ca.oauth;
