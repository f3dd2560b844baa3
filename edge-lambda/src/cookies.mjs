// Cookie reading and writing for CloudFront viewer requests (headers as { name: [{ key, value }] }). Everything
// here takes input an attacker may have shaped: a cookie without a value, a header entry without a value, a
// header list that is not a list.

/** The platform's cookies on the main host: `__Host-` names, so no other host (a runtime host) can set them. */
export const COOKIES = Object.freeze({
  idToken: '__Host-id_token',
  refreshToken: '__Host-refresh_token',
  state: '__Host-auth_state',
});

/** What an earlier version set with a Domain attribute (so runtime hosts could toss them): read never, removed. */
export const LEGACY_COOKIES = Object.freeze(['id_token', 'refresh_token', 'auth_state']);

function cookieLines(headers) {
  const list = headers?.cookie;
  if (!Array.isArray(list)) {
    return [];
  }
  return list.map((entry) => (typeof entry?.value === 'string' ? entry.value : '')).filter((v) => v.length > 0);
}

function pairs(line) {
  return line.split(';').map((part) => {
    const eq = part.indexOf('=');
    return eq > 0 ? [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] : [part.trim(), null];
  });
}

/** Every non-empty value of cookie `name` (exact, case-sensitive), in the order the browser sent them. */
export function cookieValues(headers, name) {
  const values = [];
  for (const line of cookieLines(headers)) {
    for (const [cookie, value] of pairs(line)) {
      if (cookie === name && value) {
        values.push(value);
      }
    }
  }
  return values;
}

/**
 * Removes cookies named in `names` from the request's Cookie header (matched case-insensitively, so that a
 * browser's lenient prefix handling cannot smuggle one through); drops the header when nothing is left.
 */
export function removeCookies(request, names) {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  const kept = [];
  for (const line of cookieLines(request.headers)) {
    const rest = pairs(line).filter(([cookie]) => cookie.length > 0 && !drop.has(cookie.toLowerCase()))
      .map(([cookie, value]) => (value === null ? cookie : `${cookie}=${value}`));
    if (rest.length > 0) {
      kept.push(rest.join('; '));
    }
  }
  if (request.headers) {
    if (kept.length > 0) {
      request.headers.cookie = [{ key: 'Cookie', value: kept.join('; ') }];
    } else {
      delete request.headers.cookie;
    }
  }
  return request;
}

/**
 * A Set-Cookie value. A `__Host-` cookie is Secure, Path=/ and has no Domain (browsers refuse it otherwise);
 * `domain` is only for expiring the legacy cookies. `maxAge` 0 deletes the cookie.
 */
export function setCookie(name, value, { maxAge, domain, sameSite = 'Lax' } = {}) {
  const parts = [`${name}=${value}`, 'Path=/', 'Secure', 'HttpOnly', `SameSite=${sameSite}`];
  if (domain && !name.startsWith('__Host-')) {
    parts.push(`Domain=${domain}`);
  }
  if (maxAge !== undefined) {
    parts.push(`Max-Age=${maxAge}`);
  }
  return parts.join('; ');
}
