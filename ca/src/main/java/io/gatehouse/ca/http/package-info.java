/** What the CA service's HTTPS handlers (EST, OAuth) need to know about the connection they serve. */
package io.gatehouse.ca.http;
