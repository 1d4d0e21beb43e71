// An external authorization server for Gatehouse's tests: panva's oidc-provider on loopback
// HTTPS. Usage: node provider.mjs <cert.pem> <key.pem>. Prints {"issuer": ...} once listening.
// POST /test/rotate replaces the signing key (the old one leaves the JWK set) without a restart
// of the listener, as an IdP's scheduled rotation does.
import fs from 'node:fs';
import https from 'node:https';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

const [certFile, keyFile] = process.argv.slice(2);
let generation = 0;

async function newKey() {
  generation += 1;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `key-${generation}`, alg: 'ES256', use: 'sig' };
}

const client = (id, ttl) => ({
  client_id: id,
  client_secret: `${id}-secret-that-is-long-enough`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: 'ES256',
  'urn:gatehouse:test:ttl': ttl,
});

function provider(issuer, key) {
  const p = new Provider(issuer, {
    // The third client's id looks like a local SPIFFE ID: its principal must stay qualified.
    clients: [client('mcp-agent', 300), client('short-lived', 1),
      client('spiffe://gatehouse.local/client/alice', 300)],
    extraClientMetadata: { properties: ['urn:gatehouse:test:ttl'] },
    jwks: { keys: [key] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource, c) {
          if (!resource.startsWith('https://')) throw new errors.InvalidTarget();
          return {
            scope: 'mcp:tools',
            audience: resource,
            accessTokenTTL: c['urn:gatehouse:test:ttl'],
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // Keycloak's shape: realm roles nested under realm_access.
    extraTokenClaims: () => ({ realm_access: { roles: ['mcp-reader', 'offline_access'] } }),
  });
  p.on('server_error', (ctx, err) => console.error('server_error', err));
  return p;
}

let current;
const server = https.createServer(
  { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) },
  (req, res) => {
    if (req.method === 'POST' && req.url === '/test/rotate') {
      newKey().then((key) => {
        current = provider(current.issuer, key);
        res.end(key.kid);
      });
      return;
    }
    current.callback()(req, res);
  },
);
server.listen(0, '127.0.0.1', async () => {
  const issuer = `https://127.0.0.1:${server.address().port}`;
  current = provider(issuer, await newKey());
  console.log(JSON.stringify({ issuer }));
});
process.stdin.on('end', () => process.exit(0)); // the test closed our stdin: it is done
process.stdin.resume();
