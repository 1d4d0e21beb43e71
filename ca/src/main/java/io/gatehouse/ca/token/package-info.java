/**
 * JWT minting for clients without certificates ({@code gatehouse token}) and the CA's JWT signing key.
 */
package io.gatehouse.ca.token;
