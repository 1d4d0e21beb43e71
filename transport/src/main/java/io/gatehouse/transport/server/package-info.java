/** The front door ({@code Gatehouse.server}), the Netty server and its per-connection pipeline, TLS and its reload. */
package io.gatehouse.transport.server;
