// Cognito's wire format on 127.0.0.1: the pool's JWKS and the hosted UI's token endpoint. Keys are
// generated here and tokens signed the way Cognito signs them (RS256 with a kid).

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

export const POOL = 'us-east-1_TestPool';
export const CLIENT_ID = 'testclient123';

export class FakeCognito {
  constructor() {
    this.keys = new Map();
    this.codes = new Map();
    this.refreshTokens = new Map();
    this.jwksFetches = 0;
    this.tokenRequests = [];
    this.revoked = [];
    this.down = false;
    /** How the token endpoint answers: 'ok', 'refuse' (400), 'hang' (never), 'html' (200 with a page). */
    this.tokenMode = 'ok';
  }

  async start() {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${this.server.address().port}`;
    this.issuer = `${this.base}/${POOL}`;
    return this;
  }

  stop() {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(resolve));
  }

  config(overrides = {}) {
    return {
      region: 'us-east-1', userPoolId: POOL, clientId: CLIENT_ID, cognitoDomain: this.base, issuer: this.issuer,
      mainHost: 'openhands.example.com', cookieDomain: 'openhands.example.com', runtimeAuth: 'owner', ...overrides,
    };
  }

  publish(kid) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.keys.set(kid, pair);
    return pair;
  }

  claims(sub, extra = {}) {
    const now = Math.floor(Date.now() / 1000);
    return { sub, iss: this.issuer, aud: CLIENT_ID, token_use: 'id', email: `${sub}@example.com`,
      email_verified: true, iat: now, exp: now + 3600, ...extra };
  }

  static signWith(privateKey, header, claims) {
    const head = Buffer.from(JSON.stringify(header)).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = privateKey ? sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url') : '';
    return `${head}.${body}.${signature}`;
  }

  token(sub, { kid = 'key-1', extra = {}, header = {} } = {}) {
    return FakeCognito.signWith(this.keys.get(kid).privateKey, { alg: 'RS256', kid, ...header }, this.claims(sub, extra));
  }

  /** What the hosted UI would do after a successful login: a code bound to the PKCE challenge. */
  authorize(authorizeUrl, sub) {
    const url = new URL(authorizeUrl);
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { sub, challenge: url.searchParams.get('code_challenge'),
      redirectUri: url.searchParams.get('redirect_uri') });
    return { code, state: url.searchParams.get('state') };
  }

  async handle(req, res) {
    if (this.down) {
      res.writeHead(503).end('down');
      return;
    }
    if (req.url === `/${POOL}/.well-known/jwks.json`) {
      this.jwksFetches += 1;
      const keys = [...this.keys].map(([kid, pair]) => ({ kid, alg: 'RS256', use: 'sig',
        ...pair.publicKey.export({ format: 'jwk' }) }));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
      return;
    }
    if (req.url === '/oauth2/revoke' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      this.revoked.push(Object.fromEntries(form));
      this.refreshTokens.delete(form.get('token'));
      res.writeHead(form.get('client_id') === CLIENT_ID ? 200 : 400).end();
      return;
    }
    if (req.url === '/oauth2/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      this.tokenRequests.push(Object.fromEntries(form));
      if (this.tokenMode === 'hang') {
        return;
      }
      if (this.tokenMode === 'refuse') {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_request"}');
        return;
      }
      if (this.tokenMode === 'html') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>maintenance</body></html>');
        return;
      }
      const answer = this.exchange(form);
      res.writeHead(answer ? 200 : 400, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(answer ?? { error: 'invalid_grant' }));
      return;
    }
    res.writeHead(404).end();
  }

  exchange(form) {
    if (form.get('client_id') !== CLIENT_ID || form.has('client_secret')) {
      return null;
    }
    if (form.get('grant_type') === 'authorization_code') {
      const grant = this.codes.get(form.get('code'));
      this.codes.delete(form.get('code'));
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (!grant || grant.challenge !== challenge || grant.redirectUri !== form.get('redirect_uri')) {
        return null;
      }
      const refresh = randomBytes(16).toString('hex');
      this.refreshTokens.set(refresh, grant.sub);
      return { id_token: this.token(grant.sub), access_token: 'access', refresh_token: refresh, expires_in: 3600 };
    }
    if (form.get('grant_type') === 'refresh_token') {
      const sub = this.refreshTokens.get(form.get('refresh_token'));
      return sub ? { id_token: this.token(sub), access_token: 'access', expires_in: 3600 } : null;
    }
    return null;
  }
}

/** A CloudFront viewer-request event. */
export function viewerRequest({ host, uri = '/', querystring = '', method = 'GET', headers = {}, cookies = [] }) {
  const all = { host: [{ key: 'Host', value: host }] };
  for (const [name, value] of Object.entries(headers)) {
    all[name.toLowerCase()] = [{ key: name, value }];
  }
  if (cookies.length) {
    all.cookie = cookies.map((value) => ({ key: 'Cookie', value }));
  }
  return { Records: [{ cf: { request: { clientIp: '203.0.113.9', method, uri, querystring, headers: all } } }] };
}

export function setCookies(result) {
  return (result.headers?.['set-cookie'] ?? []).map((h) => h.value);
}

export function cookieFrom(result, name) {
  const line = setCookies(result).find((c) => c.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1).split(';')[0] : undefined;
}
