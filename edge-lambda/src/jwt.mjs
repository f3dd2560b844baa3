// Verifies Cognito id tokens: RS256 only, a key of the pool's JWKS (imported with node:crypto, no
// hand-written ASN.1), iss, aud (or client_id), token_use=id, exp/nbf with a little clock skew.

import { createPublicKey, verify as verifySignature } from 'node:crypto';

export const LEEWAY_SECONDS = 60;
export const REFETCH_INTERVAL_MS = 60_000;

function base64UrlJson(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Keys by kid, cached across invocations; an unknown kid refetches at most once a minute. */
export class Jwks {
  constructor(url, { fetchImpl = fetch, now = Date.now, timeoutMs = 3000 } = {}) {
    this.url = url;
    this.fetchImpl = fetchImpl;
    this.now = now;
    this.timeoutMs = timeoutMs;
    this.keys = new Map();
    this.lastFetch = -Infinity;
    this.inFlight = null;
    this.fetches = 0;
  }

  /** The key for `kid`, or null when the pool has none; rejects when the key set cannot be fetched. */
  async key(kid) {
    if (this.keys.has(kid)) {
      return this.keys.get(kid);
    }
    if (!this.inFlight && this.now() - this.lastFetch < REFETCH_INTERVAL_MS) {
      return null;
    }
    this.inFlight ??= this.refetch().finally(() => { this.inFlight = null; });
    await this.inFlight;
    return this.keys.get(kid) ?? null;
  }

  async refetch() {
    this.lastFetch = this.now();
    this.fetches += 1;
    const response = await this.fetchImpl(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) {
      throw new Error(`JWKS ${this.url}: status ${response.status}`);
    }
    const body = await response.json();
    const keys = new Map();
    for (const jwk of body.keys ?? []) {
      if (jwk.kty === 'RSA' && (jwk.use ?? 'sig') === 'sig' && (jwk.alg ?? 'RS256') === 'RS256' && jwk.kid) {
        try {
          keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
        } catch {
          // an unusable key is skipped; tokens signed with it fail to verify
        }
      }
    }
    this.keys = keys;
  }
}

/**
 * The claims of `token` when it is a valid id token for this pool and client, else null. Rejects only
 * when keys were needed and could not be fetched (the caller fails closed).
 */
export async function verifyIdToken(token, { jwks, issuer, clientId, nowSeconds = () => Date.now() / 1000 }) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    return null;
  }
  let header;
  let claims;
  try {
    header = base64UrlJson(parts[0]);
    claims = base64UrlJson(parts[1]);
  } catch {
    return null;
  }
  if (!isObject(header) || !isObject(claims) || header.alg !== 'RS256' || typeof header.kid !== 'string') {
    return null;
  }
  const key = await jwks.key(header.kid);
  if (!key) {
    return null;
  }
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  if (!verifySignature('RSA-SHA256', signed, key, signature)) {
    return null;
  }
  const now = nowSeconds();
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? claims.client_id];
  const valid = claims.iss === issuer
    && audience.includes(clientId)
    && claims.token_use === 'id'
    && typeof claims.sub === 'string' && claims.sub.length > 0
    && typeof claims.exp === 'number' && claims.exp + LEEWAY_SECONDS > now
    && (claims.nbf === undefined || claims.nbf - LEEWAY_SECONDS <= now);
  return valid ? claims : null;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Who the tokens say the user is: the claims of the first valid token, provided every valid token names the
 * same user; null when none is valid or when they disagree (two sessions in one request mean one was planted,
 * and neither may win). Every token is tried: a bad one is skipped. Rejects only when no token verified and a
 * key needed for one could not be fetched (the caller fails closed).
 */
export async function unanimousClaims(tokens, options) {
  let chosen = null;
  let fetchError = null;
  for (const token of tokens.slice(0, 8)) {
    let claims;
    try {
      claims = await verifyIdToken(token, options);
    } catch (err) {
      fetchError = err;
      continue;
    }
    if (claims && chosen && claims.sub !== chosen.sub) {
      return null;
    }
    chosen ??= claims;
  }
  if (!chosen && fetchError) {
    throw fetchError;
  }
  return chosen;
}
