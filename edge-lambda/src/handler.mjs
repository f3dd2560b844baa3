// The viewer-request function: signs users in with Cognito (authorization code + PKCE, public client, no
// secret), checks id tokens, and passes the user's identity to the origin as X-Cognito-* headers.
//
// The platform's cookies live on the main host only, under `__Host-` names (Secure, Path=/, no Domain): a runtime
// host, where code written by a model runs, can neither set nor read them. Runtime hosts pass through without
// identity; the gateway gives each its own host-only session through a handshake on the main host (`/_login`).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { COOKIES, LEGACY_COOKIES, cookieValues, removeCookies, setCookie } from './cookies.mjs';
import { Jwks, unanimousClaims, verifyIdToken } from './jwt.mjs';
import { fittingReturnUrl, isRuntimeHost, safeReturnUrl } from './redirect.mjs';
import { page, response } from './responses.mjs';

const STATE_TTL_SECONDS = 600;
const REFRESH_TTL_SECONDS = 30 * 24 * 3600;
const TOKEN_TIMEOUT_MS = 3000;
const RUNTIME_PATH = /^(\d{1,5})-([0-9a-f]{32})\.runtime\./;
/** Cookies the origin never gets: the refresh token and the sign-in state stay between browser and edge. */
const NOT_FOR_THE_ORIGIN = [COOKIES.refreshToken, COOKIES.state, ...LEGACY_COOKIES];

function header(request, name) {
  const value = request.headers?.[name]?.[0]?.value;
  return typeof value === 'string' ? value : undefined;
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

function sameText(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length === 0) {
    return false;
  }
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The state cookie's content, or null unless every field has the form this function wrote. */
function readState(value) {
  let saved;
  try {
    saved = JSON.parse(Buffer.from(value ?? '', 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const ok = saved !== null && typeof saved === 'object'
    && typeof saved.state === 'string' && saved.state.length >= 32
    && typeof saved.verifier === 'string' && saved.verifier.length >= 43
    && typeof saved.returnTo === 'string';
  return ok ? saved : null;
}

/** The request as CloudFront gave it, or null when the event does not hold one. */
function viewerRequestOf(event) {
  const request = event?.Records?.[0]?.cf?.request;
  if (request === null || typeof request !== 'object') {
    return null;
  }
  if (request.headers === null || typeof request.headers !== 'object') {
    request.headers = {};
  }
  if (typeof request.uri !== 'string' || !request.uri.startsWith('/')) {
    request.uri = '/';
  }
  return request;
}

export function createHandler(config, { fetchImpl = fetch, now = Date.now } = {}) {
  const jwks = new Jwks(`${config.issuer}/.well-known/jwks.json`, { fetchImpl, now });
  const verifyOptions = { jwks, issuer: config.issuer, clientId: config.clientId, nowSeconds: () => now() / 1000 };
  const home = `https://${config.mainHost}`;
  const callbackUrl = `${home}/_callback`;

  /** Expires what an earlier version set on the parent domain, so that it stops being sent anywhere. */
  function legacyExpiry() {
    return LEGACY_COOKIES.map((name) => setCookie(name, '', { domain: config.cookieDomain, maxAge: 0 }));
  }

  function signIn(returnTo) {
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const saved = { state, verifier, returnTo: fittingReturnUrl(returnTo, config.mainHost) };
    const query = new URLSearchParams({
      response_type: 'code', client_id: config.clientId, redirect_uri: callbackUrl, scope: 'openid email profile',
      state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    return response(302, 'Found', {
      Location: `${config.cognitoDomain}/oauth2/authorize?${query}`,
      'Set-Cookie': setCookie(COOKIES.state, Buffer.from(JSON.stringify(saved)).toString('base64url'),
        { maxAge: STATE_TTL_SECONDS }),
    });
  }

  /** One call to Cognito's OAuth endpoints; null on any failure (refused, slow, not JSON). */
  async function oauth(path, form) {
    try {
      const result = await fetchImpl(`${config.cognitoDomain}/oauth2/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: config.clientId, ...form }).toString(),
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
      if (!result.ok) {
        return null;
      }
      const text = await result.text();
      return text.length === 0 ? {} : JSON.parse(text);
    } catch {
      return null;
    }
  }

  async function tokens(form) {
    const answer = await oauth('token', form);
    if (typeof answer?.id_token !== 'string') {
      return null;
    }
    const claims = await verifyIdToken(answer.id_token, verifyOptions).catch(() => null);
    return claims ? { tokens: answer, claims } : null;
  }

  function tokenCookies({ tokens: issued, claims }) {
    const cookies = [setCookie(COOKIES.idToken, issued.id_token,
      { maxAge: Math.max(0, Math.floor(claims.exp - now() / 1000)) })];
    if (typeof issued.refresh_token === 'string') {
      cookies.push(setCookie(COOKIES.refreshToken, issued.refresh_token, { maxAge: REFRESH_TTL_SECONDS }));
    }
    return cookies;
  }

  async function callback(request) {
    const query = new URLSearchParams(request.querystring ?? '');
    const saved = readState(cookieValues(request.headers, COOKIES.state)[0]);
    const code = query.get('code');
    if (!saved || !code || !sameText(query.get('state'), saved.state)) {
      return page(400, 'Bad Request', 'This sign-in link is not valid any more. Please sign in again.');
    }
    const signedIn = await tokens({
      grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: saved.verifier,
    });
    if (!signedIn) {
      return page(502, 'Bad Gateway', 'Sign-in could not be completed. Please try again.');
    }
    return response(302, 'Found', {
      Location: safeReturnUrl(saved.returnTo, config.mainHost),
      'Set-Cookie': [...tokenCookies(signedIn), setCookie(COOKIES.state, '', { maxAge: 0 }), ...legacyExpiry()],
    });
  }

  async function refreshed(request) {
    const refreshToken = cookieValues(request.headers, COOKIES.refreshToken)[0];
    return refreshToken ? tokens({ grant_type: 'refresh_token', refresh_token: refreshToken }) : null;
  }

  async function logout(request) {
    const refreshToken = cookieValues(request.headers, COOKIES.refreshToken)[0];
    if (refreshToken) {
      await oauth('revoke', { token: refreshToken });
    }
    const query = new URLSearchParams({ client_id: config.clientId, logout_uri: `${home}/` });
    return response(302, 'Found', {
      Location: `${config.cognitoDomain}/logout?${query}`,
      'Set-Cookie': [...Object.values(COOKIES).map((name) => setCookie(name, '', { maxAge: 0 })), ...legacyExpiry()],
    });
  }

  async function tokenRefresh(request) {
    if (request.method !== 'POST') {
      return response(405, 'Method Not Allowed', { Allow: 'POST' });
    }
    const renewed = await refreshed(request);
    return renewed
      ? response(200, 'OK', { 'Content-Type': 'application/json', 'Set-Cookie': tokenCookies(renewed) },
        JSON.stringify({ expiresAt: renewed.claims.exp }))
      : response(401, 'Unauthorized', { 'Content-Type': 'application/json' }, '{"error":"sign in again"}');
  }

  /** Removes client-sent identity headers and the cookies the origin must not see, then sets the verified identity. */
  function forward(request, claims) {
    for (const name of Object.keys(request.headers)) {
      if (name.startsWith('x-cognito-')) {
        delete request.headers[name];
      }
    }
    removeCookies(request, NOT_FOR_THE_ORIGIN);
    if (claims) {
      request.headers['x-cognito-user-id'] = [{ key: 'X-Cognito-User-Id', value: claims.sub }];
      if (typeof claims.email === 'string') {
        request.headers['x-cognito-email'] = [{ key: 'X-Cognito-Email', value: claims.email }];
      }
      request.headers['x-cognito-email-verified'] = [{ key: 'X-Cognito-Email-Verified',
        value: String(claims.email_verified === true || claims.email_verified === 'true') }];
    }
    return request;
  }

  /** A runtime host: no platform cookie exists there; the request goes on without identity (the gateway decides). */
  function runtimeRequest(request, host) {
    removeCookies(request, [COOKIES.idToken, ...NOT_FOR_THE_ORIGIN]);
    const forwarded = forward(request, null);
    const match = RUNTIME_PATH.exec(host);
    if (config.runtimePathRewrite && match) {
      forwarded.uri = `/runtime/${match[2]}/${match[1]}${forwarded.uri}`;
    }
    return forwarded;
  }

  function requestUrl(request) {
    return `${home}${request.uri}${request.querystring ? `?${request.querystring}` : ''}`;
  }

  /**
   * `/_login?return=<url>`: the sign-in round trip of a runtime host (the gateway's row 23). Signed in, a runtime
   * target goes on to the origin, where the gateway hands that host its own session; any other target is
   * redirected to. Not signed in, the user signs in first and comes back here.
   */
  function login(request, claims) {
    const target = safeReturnUrl(new URLSearchParams(request.querystring ?? '').get('return') ?? '/',
      config.mainHost);
    if (!claims) {
      return isNavigation(request) ? signIn(requestUrl(request))
        : response(401, 'Unauthorized', { 'Content-Type': 'application/json' }, '{"error":"sign in required"}');
    }
    if (isRuntimeHost(new URL(target).hostname, config.mainHost)) {
      return forward(request, claims);
    }
    return response(302, 'Found', { Location: target });
  }

  async function mainHostRequest(request) {
    switch (request.uri) {
      case '/_callback':
        return callback(request);
      case '/_logout':
        return logout(request);
      case '/_token/refresh':
        return tokenRefresh(request);
      default:
        break;
    }
    let claims;
    try {
      claims = await unanimousClaims(cookieValues(request.headers, COOKIES.idToken), verifyOptions);
    } catch {
      return page(503, 'Service Unavailable', 'Sign-in cannot be checked right now. Please retry in a moment.');
    }
    if (request.uri === '/_login') {
      return login(request, claims);
    }
    if (claims) {
      return forward(request, claims);
    }
    if (!isNavigation(request) || isWebSocket(request)) {
      return response(401, 'Unauthorized', { 'Content-Type': 'application/json' }, '{"error":"sign in required"}');
    }
    const renewed = await refreshed(request);
    if (renewed) {
      return response(302, 'Found', { Location: fittingReturnUrl(requestUrl(request), config.mainHost),
        'Set-Cookie': tokenCookies(renewed) });
    }
    return signIn(requestUrl(request));
  }

  return async function handler(event) {
    const request = viewerRequestOf(event);
    if (!request) {
      return page(400, 'Bad Request', 'This request cannot be read.');
    }
    const host = (header(request, 'host') ?? '').toLowerCase();
    if (host === config.mainHost) {
      return mainHostRequest(request);
    }
    if (isRuntimeHost(host, config.mainHost)) {
      return runtimeRequest(request, host);
    }
    return page(421, 'Misdirected Request', 'This host is not served here.');
  };
}
