// Cookie reading and writing for CloudFront viewer requests (headers as { name: [{ key, value }] }).

/** Every value of cookie `name`, in the order the browser sent them (several may share a name). */
export function cookieValues(headers, name) {
  const values = [];
  for (const { value } of headers.cookie ?? []) {
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) {
        values.push(part.slice(eq + 1).trim());
      }
    }
  }
  return values;
}

/** A Set-Cookie value; `maxAge` 0 deletes the cookie. */
export function setCookie(name, value, { domain, maxAge, path = '/', sameSite = 'Lax' }) {
  const parts = [`${name}=${value}`, `Path=${path}`, 'Secure', 'HttpOnly', `SameSite=${sameSite}`];
  if (domain) {
    parts.push(`Domain=${domain}`);
  }
  if (maxAge !== undefined) {
    parts.push(`Max-Age=${maxAge}`);
  }
  return parts.join('; ');
}
