import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ConfigError, validateConfig } from '../src/config.mjs';

const good = {
  region: 'us-east-1', userPoolId: 'us-east-1_AbC123', clientId: 'abc123', cognitoDomain: 'https://auth.example.com',
  mainHost: 'openhands.example.com', cookieDomain: 'openhands.example.com',
};

it('derives the issuer and defaults', () => {
  const config = validateConfig(good);
  assert.equal(config.issuer, 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123');
  assert.equal(config.runtimeAuth, 'owner');
  assert.equal(config.runtimePathRewrite, false);
});

for (const [field, value, message] of [
  ['region', 'mars', /region: "mars"/],
  ['userPoolId', 'pool', /userPoolId: "pool"/],
  ['cognitoDomain', 'http://auth.example.com', /cognitoDomain: "http:\/\/auth.example.com" \(expected: an https URL/],
  ['mainHost', 'OpenHands.example.com', /mainHost/],
  ['cookieDomain', 'other.com', /cookieDomain: "other.com" \(expected: openhands.example.com or a parent domain of it\)/],
  ['runtimeAuth', 'everyone', /runtimeAuth: "everyone"/],
  ['clientId', undefined, /clientId: undefined/],
]) {
  it(`names the bad field: ${field}`, () => {
    assert.throws(() => validateConfig({ ...good, [field]: value }), (err) => err instanceof ConfigError && message.test(err.message));
  });
}

it('keeps the bundle far below the Lambda@Edge limit of 1 MB compressed', () => {
  const dir = new URL('../src/', import.meta.url);
  const bytes = readdirSync(dir).map((name) => readFileSync(new URL(name, dir))).reduce((sum, b) => sum + gzipSync(b).length, 0);
  assert.ok(bytes < 64 * 1024, `${bytes} bytes gzipped`);
});
