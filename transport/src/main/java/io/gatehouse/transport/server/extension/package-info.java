/** What plugs into a server before it starts (the auth pipeline, embedders): pipeline slots, handshake observer, builder hooks. */
package io.gatehouse.transport.server.extension;
