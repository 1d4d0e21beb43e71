/** {@code gatehouse apikey create|list|revoke}: the admin side of the transport's API-key file. */
package io.gatehouse.cli.apikey;
