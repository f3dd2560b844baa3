package dev.openhands.runtime.gateway.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SetCookieRewriterTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "a=1                                        | a=1; Secure; SameSite=Strict",
      "a=1; Domain=.example.com                   | a=1; Secure; SameSite=Strict",
      "a=1; domain=example.com; Path=/; HttpOnly  | a=1; Path=/; HttpOnly; Secure; SameSite=Strict",
      "a=1; Secure; SameSite=Lax                  | a=1; Secure; SameSite=Lax",
      "a=1;secure;samesite=None                   | a=1; secure; samesite=None",
      "a=x=y; Max-Age=60;                         | a=x=y; Max-Age=60; Secure; SameSite=Strict",
      "'\t'                                       | ; Secure; SameSite=Strict",
      "a=1;\tDomain=evil.example;\tPath=/ | a=1; Path=/; Secure; SameSite=Strict",
      "a=1; DOMAIN = evil.example; Expires=Wed, 21 Oct 2026 07:28:00 GMT | a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; SameSite=Strict"})
  void row12_rewrite(String in, String out) {
    assertEquals(out, SetCookieRewriter.rewrite(in));
  }
}
