import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../src/config.mjs';
import { createHandler } from '../src/handler.mjs';
import { CLIENT_ID, FakeCognito, cookieFrom, setCookies, viewerRequest } from './fake-cognito.mjs';

const MAIN = 'openhands.example.com';
const CONV = '0123456789abcdef0123456789abcdef';
const RUNTIME = `5173-${CONV}.runtime.${MAIN}`;
const NAVIGATE = { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' };

let cognito;
let handler;

before(async () => {
  cognito = await new FakeCognito().start();
  cognito.publish('key-1');
  handler = createHandler(validateConfig(cognito.config()));
});
after(() => cognito.stop());

function header(result, name) {
  return result.headers?.[name]?.[0]?.value;
}

/** Walks the whole sign-in: request -> Cognito -> callback; returns the callback's answer. */
async function signInThrough(request, sub = 'user-a') {
  const first = await handler(request);
  assert.equal(first.status, '302');
  const { code, state } = cognito.authorize(header(first, 'location'), sub);
  return handler(viewerRequest({ host: MAIN, uri: '/_callback', querystring: `code=${code}&state=${state}`,
    cookies: [`auth_state=${cookieFrom(first, 'auth_state')}`] }));
}

describe('sign-in', () => {
  it('redirects a page load without a session to Cognito with PKCE S256 and a state cookie, no secret', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/conversations/1', headers: NAVIGATE }));
    assert.equal(result.status, '302');
    const location = new URL(header(result, 'location'));
    assert.equal(location.origin + location.pathname, `${cognito.base}/oauth2/authorize`);
    assert.equal(location.searchParams.get('response_type'), 'code');
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.match(location.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(location.searchParams.get('redirect_uri'), `https://${MAIN}/_callback`);
    assert.ok(location.searchParams.get('state').length >= 32);
    const stateCookie = setCookies(result).find((c) => c.startsWith('auth_state='));
    assert.match(stateCookie, /HttpOnly/);
    assert.match(stateCookie, /Secure/);
    assert.match(stateCookie, /Max-Age=600/);
    assert.ok(!JSON.stringify(result).includes('secret'));
  });

  it('completes the callback: tokens exchanged with the verifier, cookies set, back to the page', async () => {
    const result = await signInThrough(viewerRequest({ host: MAIN, uri: '/conversations/1', querystring: 'tab=2',
      headers: NAVIGATE }));
    assert.equal(result.status, '302');
    assert.equal(header(result, 'location'), `https://${MAIN}/conversations/1?tab=2`);
    const idToken = setCookies(result).find((c) => c.startsWith('id_token='));
    assert.match(idToken, /Domain=openhands\.example\.com/);
    assert.match(idToken, /HttpOnly/);
    assert.match(idToken, /SameSite=Lax/);
    assert.ok(cookieFrom(result, 'refresh_token'));
    assert.equal(cookieFrom(result, 'auth_state'), '');
    const exchange = cognito.tokenRequests.at(-1);
    assert.equal(exchange.grant_type, 'authorization_code');
    assert.ok(exchange.code_verifier.length >= 43);
    assert.equal(exchange.client_id, CLIENT_ID);
  });

  it('rejects a callback whose state is missing, mismatched or replayed', async () => {
    const first = await handler(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const { code, state } = cognito.authorize(header(first, 'location'), 'user-a');
    const saved = `auth_state=${cookieFrom(first, 'auth_state')}`;
    const missing = await handler(viewerRequest({ host: MAIN, uri: '/_callback', querystring: `code=${code}&state=${state}` }));
    assert.equal(missing.status, '400');
    const wrong = await handler(viewerRequest({ host: MAIN, uri: '/_callback',
      querystring: `code=${code}&state=${state}x`, cookies: [saved] }));
    assert.equal(wrong.status, '400');
    const ok = await handler(viewerRequest({ host: MAIN, uri: '/_callback', querystring: `code=${code}&state=${state}`,
      cookies: [saved] }));
    assert.equal(ok.status, '302');
    const replay = await handler(viewerRequest({ host: MAIN, uri: '/_callback', querystring: `code=${code}&state=${state}`,
      cookies: [saved] }));
    assert.equal(replay.status, '502', 'the code is single-use at Cognito');
  });

  it('sends a runtime page load through sign-in and back to the runtime URL', async () => {
    const result = await signInThrough(viewerRequest({ host: RUNTIME, uri: '/src/app.tsx', headers: NAVIGATE }));
    assert.equal(header(result, 'location'), `https://${RUNTIME}/src/app.tsx`);
  });
});

describe('open redirects', () => {
  const evil = ['//evil.com', 'https://evil.com/', '/\\evil.com', '/%2F%2Fevil.com', '%2F%2Fevil.com',
    'https://openhands.example.com.evil.com/', 'https://user@openhands.example.com/', 'javascript:alert(1)',
    'http://openhands.example.com/', `https://5173-${CONV}.runtime.evil.com/`, '/%5Cevil.com', '\t//evil.com',
    'https://openhands.example.com:8443/', '/%252F%252Fevil.com'];
  for (const target of evil) {
    it(`sends ${JSON.stringify(target)} to /`, async () => {
      const first = await handler(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
      const { code, state } = cognito.authorize(header(first, 'location'), 'user-a');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(cookieFrom(first, 'auth_state'),
        'base64url')), returnTo: target })).toString('base64url');
      const result = await handler(viewerRequest({ host: MAIN, uri: '/_callback',
        querystring: `code=${code}&state=${state}`, cookies: [`auth_state=${forged}`] }));
      assert.equal(header(result, 'location'), `https://${MAIN}/`);
    });
  }
});

describe('verification and identity headers', () => {
  it('forwards a valid session with verified headers, dropping spoofed ones', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x', cookies: [`id_token=${cognito.token('user-a')}`],
      headers: { 'X-Cognito-User-Id': 'admin', 'X-Cognito-Groups': 'admins' } }));
    assert.equal(result.uri, '/api/x');
    assert.equal(header(result, 'x-cognito-user-id'), 'user-a');
    assert.equal(header(result, 'x-cognito-email'), 'user-a@example.com');
    assert.equal(header(result, 'x-cognito-email-verified'), 'true');
    assert.equal(result.headers['x-cognito-groups'], undefined);
  });

  const now = Math.floor(Date.now() / 1000);
  const bad = {
    expired: () => cognito.token('u', { extra: { exp: now - 600 } }),
    'not yet valid': () => cognito.token('u', { extra: { nbf: now + 600 } }),
    'wrong iss': () => cognito.token('u', { extra: { iss: 'https://cognito-idp.us-east-1.amazonaws.com/other' } }),
    'wrong aud': () => cognito.token('u', { extra: { aud: 'another-client' } }),
    'access token': () => cognito.token('u', { extra: { token_use: 'access' } }),
    'alg none': () => FakeCognito.signWith(null, { alg: 'none', kid: 'key-1' }, cognito.claims('u')),
    'unknown kid': () => cognito.token('u', { header: { kid: 'nope' } }),
    tampered: () => {
      const [h, , s] = cognito.token('u').split('.');
      return `${h}.${Buffer.from(JSON.stringify(cognito.claims('admin'))).toString('base64url')}.${s}`;
    },
    truncated: () => cognito.token('u').slice(0, -12),
    garbage: () => 'not.a.token',
  };
  for (const [name, make] of Object.entries(bad)) {
    it(`refuses ${name}`, async () => {
      const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x', cookies: [`id_token=${make()}`] }));
      assert.equal(result.status, '401');
    });
  }

  it('refuses HS256 signed with the public key', async () => {
    const { createHmac } = await import('node:crypto');
    const publicPem = cognito.keys.get('key-1').publicKey.export({ type: 'spki', format: 'pem' });
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'key-1' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(cognito.claims('u'))).toString('base64url');
    const mac = createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url');
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x', cookies: [`id_token=${head}.${body}.${mac}`] }));
    assert.equal(result.status, '401');
  });

  it('accepts the first valid of several id_token cookies', async () => {
    const expired = cognito.token('old', { extra: { exp: Math.floor(Date.now() / 1000) - 3600 } });
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x',
      cookies: [`id_token=${expired}`, `theme=dark; id_token=${cognito.token('user-b')}`] }));
    assert.equal(header(result, 'x-cognito-user-id'), 'user-b');
  });

  it('fails closed with a 503 page when the JWKS cannot be fetched', async () => {
    const down = await new FakeCognito().start();
    down.publish('key-1');
    const token = down.token('u');
    down.down = true;
    const isolated = createHandler(validateConfig(down.config()));
    const result = await isolated(viewerRequest({ host: MAIN, uri: '/', cookies: [`id_token=${token}`] }));
    assert.equal(result.status, '503');
    assert.match(header(result, 'content-type'), /text\/html/);
    await down.stop();
  });

  it('refetches the JWKS for an unknown kid at most once a minute', async () => {
    const fresh = await new FakeCognito().start();
    fresh.publish('key-1');
    let clock = Date.now();
    const h = createHandler(validateConfig(fresh.config()), { now: () => clock });
    await h(viewerRequest({ host: MAIN, uri: '/api', cookies: [`id_token=${fresh.token('u')}`] }));
    fresh.publish('key-2');
    for (let i = 0; i < 10; i += 1) {
      const r = await h(viewerRequest({ host: MAIN, uri: '/api', cookies: [`id_token=${fresh.token('u', { kid: 'key-2' })}`] }));
      assert.equal(r.status, '401');
    }
    assert.equal(fresh.jwksFetches, 1);
    clock += 61_000;
    const r = await h(viewerRequest({ host: MAIN, uri: '/api', cookies: [`id_token=${fresh.token('u', { kid: 'key-2' })}`] }));
    assert.equal(header(r, 'x-cognito-user-id'), 'u');
    assert.equal(fresh.jwksFetches, 2);
    await fresh.stop();
  });
});

describe('runtime hosts', () => {
  it('answers a WebSocket handshake without a session with 401, never a redirect', async () => {
    const result = await handler(viewerRequest({ host: RUNTIME, uri: '/hmr',
      headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-Fetch-Mode': 'websocket' } }));
    assert.equal(result.status, '401');
  });

  it('answers a script request without a session with 401', async () => {
    const result = await handler(viewerRequest({ host: RUNTIME, uri: '/api', headers: { 'Sec-Fetch-Mode': 'cors' } }));
    assert.equal(result.status, '401');
  });

  it('forwards a runtime request with a session unchanged but for the identity headers', async () => {
    const result = await handler(viewerRequest({ host: RUNTIME, uri: '/src/main.tsx', querystring: 't=1',
      cookies: [`id_token=${cognito.token('user-a')}`] }));
    assert.equal(result.uri, '/src/main.tsx');
    assert.equal(result.querystring, 't=1');
    assert.equal(header(result, 'x-cognito-user-id'), 'user-a');
  });

  it('rewrites to /runtime/{convId}/{port} when configured', async () => {
    const rewriting = createHandler(validateConfig(cognito.config({ runtimePathRewrite: true })));
    const result = await rewriting(viewerRequest({ host: RUNTIME, uri: '/x', cookies: [`id_token=${cognito.token('u')}`] }));
    assert.equal(result.uri, `/runtime/${CONV}/5173/x`);
  });

  it('lets runtime hosts through without a session when runtime auth is none, without spoofed identity', async () => {
    const open = createHandler(validateConfig(cognito.config({ runtimeAuth: 'none' })));
    const result = await open(viewerRequest({ host: RUNTIME, uri: '/', headers: { 'X-Cognito-User-Id': 'admin' } }));
    assert.equal(result.uri, '/');
    assert.equal(result.headers['x-cognito-user-id'], undefined);
  });
});

describe('refresh and logout', () => {
  it('refreshes a page load silently with the refresh token', async () => {
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const refresh = cookieFrom(signedIn, 'refresh_token');
    const result = await handler(viewerRequest({ host: MAIN, uri: '/page', headers: NAVIGATE,
      cookies: [`refresh_token=${refresh}`] }));
    assert.equal(result.status, '302');
    assert.equal(header(result, 'location'), `https://${MAIN}/page`);
    assert.ok(cookieFrom(result, 'id_token'));
  });

  it('refreshes for the app on POST /_token/refresh, and refuses other methods with 405', async () => {
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const refresh = cookieFrom(signedIn, 'refresh_token');
    const post = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', method: 'POST',
      cookies: [`refresh_token=${refresh}`] }));
    assert.equal(post.status, '200');
    assert.ok(cookieFrom(post, 'id_token'));
    const get = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', cookies: [`refresh_token=${refresh}`] }));
    assert.equal(get.status, '405');
    const none = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', method: 'POST' }));
    assert.equal(none.status, '401');
  });

  it('clears the cookies and goes to Cognito logout', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/_logout' }));
    assert.equal(result.status, '302');
    assert.match(header(result, 'location'), /\/logout\?client_id=testclient123&logout_uri=https%3A%2F%2Fopenhands\.example\.com%2F/);
    assert.equal(cookieFrom(result, 'id_token'), '');
    assert.equal(cookieFrom(result, 'refresh_token'), '');
  });
});
