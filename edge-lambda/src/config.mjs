// The function's configuration. Lambda@Edge has no environment variables, so the CDK app writes
// config.json next to the handler at synth time; this module owns its schema and checks it at cold start.

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export class ConfigError extends Error {}

function fail(field, value, expected) {
  throw new ConfigError(`config.json: ${field}: ${JSON.stringify(value)} (expected: ${expected})`);
}

function text(raw, field, pattern, expected) {
  const value = raw[field];
  if (typeof value !== 'string' || value.length === 0 || (pattern && !pattern.test(value))) {
    fail(field, value, expected);
  }
  return value;
}

/** An https URL, or http on loopback (tests play Cognito on 127.0.0.1). */
function baseUrl(raw, field) {
  const value = raw[field];
  let url;
  try {
    url = new URL(value);
  } catch {
    fail(field, value, 'an https URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.search || url.hash) {
    fail(field, value, 'an https URL without query');
  }
  return url.origin + url.pathname.replace(/\/$/, '');
}

/**
 * Validates the raw configuration and returns a frozen, complete one.
 *
 * Fields: region, userPoolId, clientId, cognitoDomain (https URL of the hosted UI), mainHost (the app's
 * host), cookieDomain (mainHost or a parent of it: where an earlier version set its cookies; they are expired at
 * sign-in and logout, never read), runtimeAuth ("owner" or "none", for the record: runtime hosts always pass
 * through to the gateway, which decides), runtimePathRewrite (boolean, default false), issuer (defaults to
 * Cognito's URL for the pool).
 */
export function validateConfig(raw) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('config.json: not a JSON object');
  }
  const region = text(raw, 'region', REGION, 'an AWS region such as us-east-1');
  const userPoolId = text(raw, 'userPoolId', /^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, 'a pool id such as us-east-1_AbC123');
  const clientId = text(raw, 'clientId', /^[A-Za-z0-9]{1,128}$/, 'the app client id');
  const mainHost = text(raw, 'mainHost', HOST, 'a lower-case host name such as openhands.example.com');
  const cookieDomain = text(raw, 'cookieDomain', HOST, 'a lower-case domain');
  if (mainHost !== cookieDomain && !mainHost.endsWith('.' + cookieDomain)) {
    fail('cookieDomain', cookieDomain, `${mainHost} or a parent domain of it`);
  }
  const runtimeAuth = raw.runtimeAuth ?? 'owner';
  if (runtimeAuth !== 'owner' && runtimeAuth !== 'none') {
    fail('runtimeAuth', runtimeAuth, '"owner" or "none"');
  }
  const runtimePathRewrite = raw.runtimePathRewrite ?? false;
  if (typeof runtimePathRewrite !== 'boolean') {
    fail('runtimePathRewrite', runtimePathRewrite, 'true or false');
  }
  const cognitoDomain = baseUrl(raw, 'cognitoDomain');
  const issuer = raw.issuer === undefined
    ? `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`
    : baseUrl(raw, 'issuer');
  return Object.freeze({
    region, userPoolId, clientId, mainHost, cookieDomain, runtimeAuth, runtimePathRewrite, cognitoDomain, issuer,
  });
}
