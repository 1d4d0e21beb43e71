// Preload for the MCP conformance suite (node --import bearer-preload.mjs …): the suite has no
// option for credentials, so this adds "Authorization: Bearer $GATEHOUSE_CONFORMANCE_BEARER" to
// every request it makes — the reference client's global fetch, and the raw undici.request of the
// dns-rebinding-protection scenario. TLS trust comes from NODE_EXTRA_CA_CERTS. Test-only.
import { createRequire } from 'node:module';

const token = process.env.GATEHOUSE_CONFORMANCE_BEARER;
if (!token) {
  throw new Error('bearer-preload.mjs: GATEHOUSE_CONFORMANCE_BEARER is not set');
}
const bearer = `Bearer ${token}`;

const originalFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const headers = new Headers(
    init?.headers ?? (input instanceof Request ? input.headers : undefined));
  if (!headers.has('authorization')) {
    headers.set('authorization', bearer);
  }
  return originalFetch(input, { ...init, headers });
};

// The suite imports undici (a CommonJS package) by name; patching its exports before the suite
// loads makes the suite's `import { request } from 'undici'` see the wrapper.
const undici = createRequire(process.argv[1])('undici');
const originalRequest = undici.request;
undici.request = (url, options = {}) => {
  const headers = { ...(options.headers ?? {}) };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    headers.authorization = bearer;
  }
  return originalRequest(url, { ...options, headers });
};

// The http-header-validation probes call node:http's request() with the URL's host and port and
// no scheme, so against a TLS server they speak plain HTTP to the TLS port and the handshake
// fails ("socket hang up") before any MCP header is looked at. Requests to the server under test
// (GATEHOUSE_CONFORMANCE_TLS_SERVER = host:port, set only when it serves TLS) go over https with
// the bearer instead, so the probes measure the server's header validation.
import http from 'node:http';
import https from 'node:https';

const tlsServer = process.env.GATEHOUSE_CONFORMANCE_TLS_SERVER;
if (tlsServer) {
  const originalHttpRequest = http.request;
  http.request = (options, callback) => {
    if (options && typeof options === 'object' && !(options instanceof URL)
        && `${options.hostname ?? options.host}:${options.port}` === tlsServer) {
      const headers = { ...(options.headers ?? {}) };
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
        headers.authorization = bearer;
      }
      return https.request({ ...options, headers }, callback);
    }
    return originalHttpRequest(options, callback);
  };
}
