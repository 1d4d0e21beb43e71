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
