/** What the CA service's HTTP handlers share: the worker hand-off, response writing, the TLS peer. */
package io.gatehouse.ca.http;
