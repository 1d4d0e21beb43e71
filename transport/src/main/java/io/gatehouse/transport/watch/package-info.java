/** One file-watch mechanism (events, poll fallback, debounce) for TLS material, the policy and API keys. */
package io.gatehouse.transport.watch;
