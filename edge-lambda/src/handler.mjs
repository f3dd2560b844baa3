// The viewer-request function: signs users in with Cognito (authorization code + PKCE, public client, no
// secret), checks id tokens, and passes the user's identity to the origin as X-Cognito-* headers.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { cookieValues, setCookie } from './cookies.mjs';
import { Jwks, firstValid, verifyIdToken } from './jwt.mjs';
import { isRuntimeHost, safeReturnUrl } from './redirect.mjs';

const STATE_COOKIE = 'auth_state';
const STATE_TTL_SECONDS = 600;
const REFRESH_TTL_SECONDS = 30 * 24 * 3600;
const RUNTIME_PATH = /^(\d{1,5})-([0-9a-f]{32})\.runtime\./;

function header(request, name) {
  return request.headers[name]?.[0]?.value;
}

function response(status, description, headers = {}, body = undefined) {
  const out = { status: String(status), statusDescription: description, headers: {} };
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    out.headers[name.toLowerCase()] = values.map((v) => ({ key: name, value: v }));
  }
  out.headers['cache-control'] = [{ key: 'Cache-Control', value: 'no-store' }];
  if (body !== undefined) {
    out.body = body;
  }
  return out;
}

function page(status, description, message) {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${description}</title></head>`
    + `<body><h1>${status} ${description}</h1><p>${message}</p></body></html>`;
  return response(status, description, { 'Content-Type': 'text/html; charset=utf-8' }, body);
}

function isNavigation(request) {
  const mode = header(request, 'sec-fetch-mode');
  if (mode) {
    return mode === 'navigate';
  }
  return request.method === 'GET' && (header(request, 'accept') ?? '').includes('text/html');
}

function isWebSocket(request) {
  return (header(request, 'upgrade') ?? '').toLowerCase() === 'websocket';
}

function sameBytes(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createHandler(config, { fetchImpl = fetch, now = Date.now } = {}) {
  const jwks = new Jwks(`${config.issuer}/.well-known/jwks.json`, { fetchImpl, now });
  const verifyOptions = { jwks, issuer: config.issuer, clientId: config.clientId, nowSeconds: () => now() / 1000 };
  const callbackUrl = `https://${config.mainHost}/_callback`;
  const cookieOptions = { domain: config.cookieDomain };

  function signIn(request, returnTo) {
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const payload = Buffer.from(JSON.stringify({ state, verifier, returnTo })).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code', client_id: config.clientId, redirect_uri: callbackUrl, scope: 'openid email profile',
      state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    return response(302, 'Found', {
      Location: `${config.cognitoDomain}/oauth2/authorize?${query}`,
      'Set-Cookie': setCookie(STATE_COOKIE, payload, { ...cookieOptions, maxAge: STATE_TTL_SECONDS }),
    });
  }

  async function tokenRequest(form) {
    const result = await fetchImpl(`${config.cognitoDomain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: config.clientId, ...form }).toString(),
      signal: AbortSignal.timeout(3000),
    });
    return result.ok ? result.json() : null;
  }

  function tokenCookies(tokens, claims) {
    const cookies = [setCookie('id_token', tokens.id_token,
      { ...cookieOptions, maxAge: Math.max(0, Math.floor(claims.exp - now() / 1000)) })];
    if (tokens.refresh_token) {
      cookies.push(setCookie('refresh_token', tokens.refresh_token, { ...cookieOptions, maxAge: REFRESH_TTL_SECONDS }));
    }
    return cookies;
  }

  async function callback(request) {
    const query = new URLSearchParams(request.querystring ?? '');
    const saved = cookieValues(request.headers, STATE_COOKIE)[0];
    let expected;
    try {
      expected = saved ? JSON.parse(Buffer.from(saved, 'base64url').toString('utf8')) : null;
    } catch {
      expected = null;
    }
    const code = query.get('code');
    if (!expected || !code || !query.get('state') || !sameBytes(query.get('state'), expected.state)) {
      return page(400, 'Bad Request', 'This sign-in link is not valid any more. Please sign in again.');
    }
    const tokens = await tokenRequest({
      grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: expected.verifier,
    });
    const claims = tokens?.id_token ? await verifyIdToken(tokens.id_token, verifyOptions) : null;
    if (!claims) {
      return page(502, 'Bad Gateway', 'Sign-in could not be completed. Please try again.');
    }
    return response(302, 'Found', {
      Location: safeReturnUrl(expected.returnTo, config.mainHost),
      'Set-Cookie': [...tokenCookies(tokens, claims), setCookie(STATE_COOKIE, '', { ...cookieOptions, maxAge: 0 })],
    });
  }

  async function refreshed(request) {
    const refreshToken = cookieValues(request.headers, 'refresh_token')[0];
    if (!refreshToken) {
      return null;
    }
    const tokens = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    const claims = tokens?.id_token ? await verifyIdToken(tokens.id_token, verifyOptions) : null;
    return claims ? { tokens, claims } : null;
  }

  function logout() {
    const query = new URLSearchParams({ client_id: config.clientId, logout_uri: `https://${config.mainHost}/` });
    return response(302, 'Found', {
      Location: `${config.cognitoDomain}/logout?${query}`,
      'Set-Cookie': ['id_token', 'refresh_token', STATE_COOKIE]
        .map((name) => setCookie(name, '', { ...cookieOptions, maxAge: 0 })),
    });
  }

  /** Removes client-sent identity headers, then sets the verified ones. */
  function withIdentity(request, claims) {
    for (const name of Object.keys(request.headers)) {
      if (name.startsWith('x-cognito-')) {
        delete request.headers[name];
      }
    }
    if (claims) {
      request.headers['x-cognito-user-id'] = [{ key: 'X-Cognito-User-Id', value: claims.sub }];
      if (claims.email) {
        request.headers['x-cognito-email'] = [{ key: 'X-Cognito-Email', value: String(claims.email) }];
      }
      request.headers['x-cognito-email-verified'] = [{ key: 'X-Cognito-Email-Verified',
        value: String(claims.email_verified === true || claims.email_verified === 'true') }];
    }
    return request;
  }

  function rewriteRuntimePath(request, host) {
    const match = RUNTIME_PATH.exec(host);
    if (config.runtimePathRewrite && match) {
      request.uri = `/runtime/${match[2]}/${match[1]}${request.uri}`;
    }
    return request;
  }

  function requestUrl(request, host) {
    return `https://${host}${request.uri}${request.querystring ? `?${request.querystring}` : ''}`;
  }

  return async function handler(event) {
    const request = event.Records[0].cf.request;
    const host = (header(request, 'host') ?? '').toLowerCase();
    const runtime = isRuntimeHost(host, config.mainHost);
    if (!runtime && host === config.mainHost) {
      if (request.uri === '/_callback') {
        return callback(request);
      }
      if (request.uri === '/_logout') {
        return logout();
      }
      if (request.uri === '/_token/refresh') {
        if (request.method !== 'POST') {
          return response(405, 'Method Not Allowed', { Allow: 'POST' });
        }
        const renewed = await refreshed(request).catch(() => null);
        return renewed
          ? response(200, 'OK', { 'Content-Type': 'application/json', 'Set-Cookie': tokenCookies(renewed.tokens, renewed.claims) },
            JSON.stringify({ expiresAt: renewed.claims.exp }))
          : response(401, 'Unauthorized', { 'Content-Type': 'application/json' }, '{"error":"sign in again"}');
      }
    }
    if (runtime && config.runtimeAuth === 'none') {
      return rewriteRuntimePath(withIdentity(request, null), host);
    }
    let claims;
    try {
      claims = await firstValid(cookieValues(request.headers, 'id_token'), verifyOptions);
    } catch {
      return page(503, 'Service Unavailable', 'Sign-in cannot be checked right now. Please retry in a moment.');
    }
    if (claims) {
      const forwarded = withIdentity(request, claims);
      return runtime ? rewriteRuntimePath(forwarded, host) : forwarded;
    }
    if (!isNavigation(request) || isWebSocket(request)) {
      return response(401, 'Unauthorized', { 'Content-Type': 'application/json' }, '{"error":"sign in required"}');
    }
    const renewed = await refreshed(request).catch(() => null);
    if (renewed) {
      return response(302, 'Found', {
        Location: requestUrl(request, host), 'Set-Cookie': tokenCookies(renewed.tokens, renewed.claims),
      });
    }
    return signIn(request, requestUrl(request, host));
  };
}
