// Where a sign-in may send the browser back to: a path on the main host, or a runtime host of this
// deployment. Anything else (other hosts, scheme-relative "//x", backslashes, control characters, encoded
// variants of those) becomes "/".

const RUNTIME_LABEL = /^[1-9][0-9]{0,4}-[0-9a-f]{32}$/;

/** Whether `host` is `{port}-{convId}.runtime.{mainHost}`. */
export function isRuntimeHost(host, mainHost) {
  const suffix = `.runtime.${mainHost}`;
  if (!host.endsWith(suffix)) {
    return false;
  }
  const label = host.slice(0, -suffix.length);
  return RUNTIME_LABEL.test(label) && Number(label.split('-')[0]) <= 65535;
}

/** A safe absolute URL to return to, from a path or absolute URL the browser asked for. */
export function safeReturnUrl(target, mainHost) {
  const home = `https://${mainHost}/`;
  if (typeof target !== 'string' || target.length === 0 || target.length > 4096) {
    return home;
  }
  let decoded = target;
  for (let i = 0; i < 3; i += 1) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) {
        break;
      }
      decoded = next;
    } catch {
      return home;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(decoded)) {
    return home;
  }
  if (target.startsWith('/') && !target.startsWith('//') && !decoded.startsWith('//')) {
    return new URL(target, home).href;
  }
  let url;
  try {
    url = new URL(target);
  } catch {
    return home;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) {
    return home;
  }
  const host = url.hostname.toLowerCase();
  return host === mainHost || isRuntimeHost(host, mainHost) ? url.href : home;
}

/** The longest return URL kept in the state cookie; a longer one is cut to its path, then to "/". */
export const MAX_RETURN_CHARS = 1024;

/**
 * `target` as a safe return URL that fits a cookie: over {@link MAX_RETURN_CHARS} it loses its query, and if
 * still too long becomes the host's root.
 */
export function fittingReturnUrl(target, mainHost) {
  const safe = safeReturnUrl(target, mainHost);
  if (safe.length <= MAX_RETURN_CHARS) {
    return safe;
  }
  const url = new URL(safe);
  const path = `${url.origin}${url.pathname}`;
  return path.length <= MAX_RETURN_CHARS ? path : `${url.origin}/`;
}
