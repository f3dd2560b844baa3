import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../src/config.mjs';
import { createHandler } from '../src/handler.mjs';
import { CLIENT_ID, FakeCognito, cookieFrom, setCookies, viewerRequest } from './fake-cognito.mjs';

const MAIN = 'openhands.example.com';
const CONV = '0123456789abcdef0123456789abcdef';
const RUNTIME = `5173-${CONV}.runtime.${MAIN}`;
const NAVIGATE = { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' };
const ID = '__Host-id_token';
const REFRESH = '__Host-refresh_token';
const STATE = '__Host-auth_state';

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

function forwardedCookies(result) {
  return header(result, 'cookie') ?? '';
}

/** Walks the whole sign-in: request -> Cognito -> callback; returns the callback's answer. */
async function signInThrough(request, sub = 'user-a') {
  const first = await handler(request);
  assert.equal(first.status, '302');
  const { code, state } = cognito.authorize(header(first, 'location'), sub);
  return handler(viewerRequest({ host: MAIN, uri: '/_callback', querystring: `code=${code}&state=${state}`,
    cookies: [`${STATE}=${cookieFrom(first, STATE)}`] }));
}

describe('sign-in', () => {
  it('redirects a page load without a session to Cognito with PKCE S256 and a __Host- state cookie, no secret', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/conversations/1', headers: NAVIGATE }));
    assert.equal(result.status, '302');
    const location = new URL(header(result, 'location'));
    assert.equal(location.origin + location.pathname, `${cognito.base}/oauth2/authorize`);
    assert.equal(location.searchParams.get('response_type'), 'code');
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.match(location.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(location.searchParams.get('redirect_uri'), `https://${MAIN}/_callback`);
    assert.ok(location.searchParams.get('state').length >= 32);
    const stateCookie = setCookies(result).find((c) => c.startsWith(`${STATE}=`));
    assert.match(stateCookie, /; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
    assert.doesNotMatch(stateCookie, /Domain=/);
    assert.ok(!JSON.stringify(result).includes('secret'));
  });

  it('completes the callback: tokens exchanged with the verifier, host-only __Host- cookies, back to the page', async () => {
    const result = await signInThrough(viewerRequest({ host: MAIN, uri: '/conversations/1', querystring: 'tab=2',
      headers: NAVIGATE }));
    assert.equal(result.status, '302');
    assert.equal(header(result, 'location'), `https://${MAIN}/conversations/1?tab=2`);
    for (const name of [ID, REFRESH]) {
      const cookie = setCookies(result).find((c) => c.startsWith(`${name}=`));
      assert.match(cookie, /; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=\d+$/, name);
      assert.doesNotMatch(cookie, /Domain=/, name);
    }
    assert.equal(cookieFrom(result, STATE), '');
    const legacy = setCookies(result).filter((c) => /^(id_token|refresh_token|auth_state)=;/.test(c));
    assert.equal(legacy.length, 3, 'the earlier version\'s parent-domain cookies are expired');
    legacy.forEach((c) => assert.match(c, /Domain=openhands\.example\.com; Max-Age=0/));
    const exchange = cognito.tokenRequests.at(-1);
    assert.equal(exchange.grant_type, 'authorization_code');
    assert.ok(exchange.code_verifier.length >= 43);
    assert.equal(exchange.client_id, CLIENT_ID);
  });

  it('rejects a callback whose state is missing, mismatched or replayed', async () => {
    const first = await handler(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const { code, state } = cognito.authorize(header(first, 'location'), 'user-a');
    const saved = `${STATE}=${cookieFrom(first, STATE)}`;
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
});

describe('attacks from a runtime host (cookie tossing) and hostile input', () => {
  it('a state cookie planted by a runtime host (parent domain, old name) is never read: no login CSRF', async () => {
    const { code } = cognito.authorize(`${cognito.base}/oauth2/authorize?code_challenge=x&redirect_uri=x&state=s`, 'attacker');
    const planted = Buffer.from(JSON.stringify({ state: 'a'.repeat(32), verifier: 'v'.repeat(43), returnTo: '/' }))
      .toString('base64url');
    const result = await handler(viewerRequest({ host: MAIN, uri: '/_callback',
      querystring: `code=${code}&state=${'a'.repeat(32)}`, cookies: [`auth_state=${planted}`] }));
    assert.equal(result.status, '400');
    assert.equal(setCookies(result).length, 0, 'no session set');
  });

  it('a state cookie without a state (or other missing fields) matches nothing, not even ?state=undefined', async () => {
    for (const saved of [{ verifier: 'v'.repeat(43), returnTo: '/' }, { state: 'short', verifier: 'v'.repeat(43),
      returnTo: '/' }, { state: 'a'.repeat(32), returnTo: '/' }, null, 'text']) {
      const value = Buffer.from(JSON.stringify(saved)).toString('base64url');
      const result = await handler(viewerRequest({ host: MAIN, uri: '/_callback',
        querystring: `code=c&state=${saved?.state ?? 'undefined'}`, cookies: [`${STATE}=${value}`] }));
      assert.equal(result.status, '400', JSON.stringify(saved));
    }
  });

  it('a tossed id_token (old name, any path) does not change who is signed in', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x',
      cookies: [`id_token=${cognito.token('attacker')}; ${ID}=${cognito.token('victim')}`] }));
    assert.equal(header(result, 'x-cognito-user-id'), 'victim');
    assert.doesNotMatch(forwardedCookies(result), /(^|; )id_token=/, 'the tossed cookie is not forwarded');
  });

  it('two valid sessions of different users in one request: neither wins (signed out, never the attacker)', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x',
      cookies: [`${ID}=${cognito.token('attacker')}`, `${ID}=${cognito.token('victim')}`] }));
    assert.equal(result.status, '401');
    assert.equal(header(result, 'x-cognito-user-id'), undefined);
  });

  it('a token whose header decodes to null is skipped and the valid one after it is used', async () => {
    const nullHeader = `${Buffer.from('null').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.sig`;
    const arrayClaims = `${Buffer.from('{"alg":"RS256","kid":"key-1"}').toString('base64url')}.${Buffer.from('[]')
      .toString('base64url')}.sig`;
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x',
      cookies: [`${ID}=${nullHeader}; ${ID}=${arrayClaims}; ${ID}=${cognito.token('victim')}`] }));
    assert.equal(header(result, 'x-cognito-user-id'), 'victim');
  });

  it('redirects never follow the Host header: an unknown host is refused, a refresh goes to the main host', async () => {
    const evil = await handler(viewerRequest({ host: 'evil.com', uri: '/page', headers: NAVIGATE }));
    assert.equal(evil.status, '421');
    assert.equal(header(evil, 'location'), undefined);
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const refreshed = await handler(viewerRequest({ host: MAIN, uri: '/page', headers: NAVIGATE,
      cookies: [`${REFRESH}=${cookieFrom(signedIn, REFRESH)}`] }));
    assert.equal(header(refreshed, 'location'), `https://${MAIN}/page`);
  });

  for (const mode of ['refuse', 'hang', 'html']) {
    it(`a token endpoint that answers '${mode}' gets the function's own error page`, async () => {
      const first = await handler(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
      const { code, state } = cognito.authorize(header(first, 'location'), 'user-a');
      cognito.tokenMode = mode;
      try {
        const result = await handler(viewerRequest({ host: MAIN, uri: '/_callback',
          querystring: `code=${code}&state=${state}`, cookies: [`${STATE}=${cookieFrom(first, STATE)}`] }));
        assert.equal(result.status, '502');
        assert.match(header(result, 'content-type'), /text\/html/);
      } finally {
        cognito.tokenMode = 'ok';
      }
    });
  }

  it('cookies without values, header entries without values and events without headers get clean answers', async () => {
    const bare = await handler(viewerRequest({ host: MAIN, uri: '/_callback', querystring: 'code=c&state=s',
      cookies: [`${ID}; ${STATE}=; =x; ;`] }));
    assert.equal(bare.status, '400');
    const noValue = viewerRequest({ host: MAIN, uri: '/api' });
    noValue.Records[0].cf.request.headers.cookie = [{ key: 'Cookie' }, null, 7];
    assert.equal((await handler(noValue)).status, '401');
    const noHeaders = { Records: [{ cf: { request: { method: 'GET', uri: '/' } } }] };
    assert.equal((await handler(noHeaders)).status, '421');
    for (const event of [undefined, null, {}, { Records: [] }, { Records: [{ cf: {} }] }]) {
      assert.equal((await handler(event)).status, '400');
    }
  });

  it('a long return URL is cut to its path, so the state cookie stays small enough for browsers', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/deep/page', querystring: `q=${'x'.repeat(3000)}`,
      headers: NAVIGATE }));
    const cookie = setCookies(result).find((c) => c.startsWith(`${STATE}=`));
    assert.ok(cookie.length < 1500, `state cookie of ${cookie.length} characters`);
    const saved = JSON.parse(Buffer.from(cookieFrom(result, STATE), 'base64url').toString('utf8'));
    assert.equal(saved.returnTo, `https://${MAIN}/deep/page`);
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
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(cookieFrom(first, STATE),
        'base64url')), returnTo: target })).toString('base64url');
      const result = await handler(viewerRequest({ host: MAIN, uri: '/_callback',
        querystring: `code=${code}&state=${state}`, cookies: [`${STATE}=${forged}`] }));
      assert.equal(header(result, 'location'), `https://${MAIN}/`);
    });
    it(`/_login?return=${JSON.stringify(target)} goes to /`, async () => {
      const result = await handler(viewerRequest({ host: MAIN, uri: '/_login',
        querystring: `return=${encodeURIComponent(target)}`, cookies: [`${ID}=${cognito.token('u')}`] }));
      assert.equal(header(result, 'location'), `https://${MAIN}/`);
    });
  }
});

describe('verification and identity headers', () => {
  it('forwards a valid session with verified headers, dropping spoofed ones, without the refresh token', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x',
      cookies: [`${ID}=${cognito.token('user-a')}; theme=dark; ${REFRESH}=r1; ${STATE}=s; refresh_token=r0`],
      headers: { 'X-Cognito-User-Id': 'admin', 'X-Cognito-Groups': 'admins' } }));
    assert.equal(result.uri, '/api/x');
    assert.equal(header(result, 'x-cognito-user-id'), 'user-a');
    assert.equal(header(result, 'x-cognito-email'), 'user-a@example.com');
    assert.equal(header(result, 'x-cognito-email-verified'), 'true');
    assert.equal(result.headers['x-cognito-groups'], undefined);
    const cookies = forwardedCookies(result);
    assert.match(cookies, new RegExp(`${ID}=`), 'the gateway may verify the id token itself');
    assert.match(cookies, /theme=dark/);
    assert.doesNotMatch(cookies, /refresh_token|auth_state/i);
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
      const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x', cookies: [`${ID}=${make()}`] }));
      assert.equal(result.status, '401');
    });
  }

  it('refuses HS256 signed with the public key', async () => {
    const { createHmac } = await import('node:crypto');
    const publicPem = cognito.keys.get('key-1').publicKey.export({ type: 'spki', format: 'pem' });
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'key-1' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(cognito.claims('u'))).toString('base64url');
    const mac = createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url');
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x', cookies: [`${ID}=${head}.${body}.${mac}`] }));
    assert.equal(result.status, '401');
  });

  it('accepts a valid token after an expired one of the same user', async () => {
    const expired = cognito.token('user-b', { extra: { exp: Math.floor(Date.now() / 1000) - 3600 } });
    const result = await handler(viewerRequest({ host: MAIN, uri: '/api/x',
      cookies: [`${ID}=${expired}`, `theme=dark; ${ID}=${cognito.token('user-b')}`] }));
    assert.equal(header(result, 'x-cognito-user-id'), 'user-b');
  });

  it('fails closed with a 503 page when the JWKS cannot be fetched', async () => {
    const down = await new FakeCognito().start();
    down.publish('key-1');
    const token = down.token('u');
    down.down = true;
    const isolated = createHandler(validateConfig(down.config()));
    const result = await isolated(viewerRequest({ host: MAIN, uri: '/', cookies: [`${ID}=${token}`] }));
    assert.equal(result.status, '503');
    assert.match(header(result, 'content-type'), /text\/html/);
    await down.stop();
  });

  it('refetches the JWKS for an unknown kid at most once a minute', async () => {
    const fresh = await new FakeCognito().start();
    fresh.publish('key-1');
    let clock = Date.now();
    const h = createHandler(validateConfig(fresh.config()), { now: () => clock });
    await h(viewerRequest({ host: MAIN, uri: '/api', cookies: [`${ID}=${fresh.token('u')}`] }));
    fresh.publish('key-2');
    for (let i = 0; i < 10; i += 1) {
      const r = await h(viewerRequest({ host: MAIN, uri: '/api', cookies: [`${ID}=${fresh.token('u', { kid: 'key-2' })}`] }));
      assert.equal(r.status, '401');
    }
    assert.equal(fresh.jwksFetches, 1);
    clock += 61_000;
    const r = await h(viewerRequest({ host: MAIN, uri: '/api', cookies: [`${ID}=${fresh.token('u', { kid: 'key-2' })}`] }));
    assert.equal(header(r, 'x-cognito-user-id'), 'u');
    assert.equal(fresh.jwksFetches, 2);
    await fresh.stop();
  });
});

describe('runtime hosts', () => {
  it('pass through without identity and without platform cookies: never a redirect, the gateway decides', async () => {
    for (const headers of [NAVIGATE, { 'Sec-Fetch-Mode': 'cors' },
      { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-Fetch-Mode': 'websocket' }]) {
      const result = await handler(viewerRequest({ host: RUNTIME, uri: '/src/main.tsx', querystring: 't=1', headers,
        cookies: [`id_token=${cognito.token('user-a')}; refresh_token=r; auth_state=s; __Host-oh_runtime=abc; x=1`] }));
      assert.equal(result.status, undefined, 'forwarded, not answered');
      assert.equal(result.uri, '/src/main.tsx');
      assert.equal(result.querystring, 't=1');
      assert.equal(result.headers['x-cognito-user-id'], undefined);
      assert.equal(forwardedCookies(result), '__Host-oh_runtime=abc; x=1');
    }
  });

  it('drop identity headers a client sent to a runtime host', async () => {
    const result = await handler(viewerRequest({ host: RUNTIME, uri: '/', headers: { 'X-Cognito-User-Id': 'admin' } }));
    assert.equal(result.headers['x-cognito-user-id'], undefined);
  });

  it('rewrites to /runtime/{convId}/{port} when configured', async () => {
    const rewriting = createHandler(validateConfig(cognito.config({ runtimePathRewrite: true })));
    const result = await rewriting(viewerRequest({ host: RUNTIME, uri: '/x' }));
    assert.equal(result.uri, `/runtime/${CONV}/5173/x`);
  });
});

describe('/_login, the sign-in round trip of a runtime host', () => {
  const target = `https://${RUNTIME}/src/app.tsx?x=1`;
  const query = `return=${encodeURIComponent(target)}&nonce=abc`;

  it('signed in with a runtime target: goes on to the gateway with the verified identity', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/_login', querystring: query,
      cookies: [`${ID}=${cognito.token('user-a')}`], headers: NAVIGATE }));
    assert.equal(result.uri, '/_login');
    assert.equal(result.querystring, query);
    assert.equal(header(result, 'x-cognito-user-id'), 'user-a');
  });

  it('not signed in: signs in first and comes back to /_login with the same target', async () => {
    const result = await signInThrough(viewerRequest({ host: MAIN, uri: '/_login', querystring: query,
      headers: NAVIGATE }));
    assert.equal(header(result, 'location'), `https://${MAIN}/_login?${query}`);
  });

  it('signed in with a main-host target: redirected there', async () => {
    const result = await handler(viewerRequest({ host: MAIN, uri: '/_login', querystring: 'return=%2Fconversations',
      cookies: [`${ID}=${cognito.token('user-a')}`] }));
    assert.equal(header(result, 'location'), `https://${MAIN}/conversations`);
  });
});

describe('refresh and logout', () => {
  it('refreshes a page load silently with the refresh token', async () => {
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const refresh = cookieFrom(signedIn, REFRESH);
    const result = await handler(viewerRequest({ host: MAIN, uri: '/page', headers: NAVIGATE,
      cookies: [`${REFRESH}=${refresh}`] }));
    assert.equal(result.status, '302');
    assert.equal(header(result, 'location'), `https://${MAIN}/page`);
    assert.ok(cookieFrom(result, ID));
  });

  it('a refresh token planted under the old name is not used', async () => {
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }), 'attacker');
    const result = await handler(viewerRequest({ host: MAIN, uri: '/page', headers: NAVIGATE,
      cookies: [`refresh_token=${cookieFrom(signedIn, REFRESH)}`] }));
    assert.match(header(result, 'location'), /\/oauth2\/authorize/, 'sign-in, not a session as the attacker');
  });

  it('refreshes for the app on POST /_token/refresh, and refuses other methods with 405', async () => {
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const refresh = cookieFrom(signedIn, REFRESH);
    const post = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', method: 'POST',
      cookies: [`${REFRESH}=${refresh}`] }));
    assert.equal(post.status, '200');
    assert.ok(cookieFrom(post, ID));
    const get = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', cookies: [`${REFRESH}=${refresh}`] }));
    assert.equal(get.status, '405');
    const none = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', method: 'POST' }));
    assert.equal(none.status, '401');
  });

  it('revokes the refresh token, clears the cookies and goes to Cognito logout', async () => {
    const signedIn = await signInThrough(viewerRequest({ host: MAIN, uri: '/', headers: NAVIGATE }));
    const refresh = cookieFrom(signedIn, REFRESH);
    const result = await handler(viewerRequest({ host: MAIN, uri: '/_logout', cookies: [`${REFRESH}=${refresh}`] }));
    assert.equal(result.status, '302');
    assert.match(header(result, 'location'), /\/logout\?client_id=testclient123&logout_uri=https%3A%2F%2Fopenhands\.example\.com%2F/);
    assert.deepEqual(cognito.revoked.at(-1), { client_id: CLIENT_ID, token: refresh });
    assert.equal(cookieFrom(result, ID), '');
    assert.equal(cookieFrom(result, REFRESH), '');
    const again = await handler(viewerRequest({ host: MAIN, uri: '/_token/refresh', method: 'POST',
      cookies: [`${REFRESH}=${refresh}`] }));
    assert.equal(again.status, '401', 'the revoked token no longer refreshes');
  });
});
