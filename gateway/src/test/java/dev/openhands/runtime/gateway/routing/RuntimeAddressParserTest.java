package dev.openhands.runtime.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeAddressParserTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";

  @ParameterizedTest
  @CsvSource({
      "5000-" + CONV + ".runtime.example.com, /a?b=1, 5000, /a?b=1",
      "1-" + CONV + ".runtime.x, /, 1, /",
      "65535-" + CONV + ".runtime.openhands.example.com:443, /p, 65535, /p",
      "5173-" + CONV + ".RUNTIME.Example.COM, /, 5173, /",
      "8000-0123456789ABCDEF0123456789ABCDEF.runtime.example.com, /, 8000, /"})
  void row03_hostForm(String host, String uri, int port, String upstreamUri) {
    RuntimeAddress address = assertInstanceOf(AddressParse.Runtime.class, RuntimeAddressParser.parse(host, uri)).address();
    assertEquals(CONV, address.conversationId());
    assertEquals(port, address.port());
    assertEquals(upstreamUri, address.upstreamUri());
  }

  @ParameterizedTest
  @CsvSource({
      "/runtime/" + CONV + "/8000/sockets/events?x=1, 8000, /sockets/events?x=1",
      "/runtime/" + CONV + "/8000, 8000, /",
      "/runtime/" + CONV + "/8000/, 8000, /",
      "/runtime/" + CONV + "/8000?x=1, 8000, /?x=1",
      "/runtime/" + CONV + "/5000//double, 5000, //double"})
  void row03_pathForm(String uri, int port, String upstreamUri) {
    RuntimeAddress address = assertInstanceOf(AddressParse.Runtime.class,
        RuntimeAddressParser.parse("openhands.example.com", uri)).address();
    assertEquals(CONV, address.conversationId());
    assertEquals(port, address.port());
    assertEquals(upstreamUri, address.upstreamUri());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "5000-0123456789abcdef0123456789abcde.runtime.example.com",
      "5000-0123456789abcdef0123456789abcdef0.runtime.example.com",
      "5000-0123456789abcdef0123456789abcdeg.runtime.example.com",
      "05000-" + CONV + ".runtime.example.com",
      "0-" + CONV + ".runtime.example.com",
      "65536-" + CONV + ".runtime.example.com",
      "999999-" + CONV + ".runtime.example.com",
      "-" + CONV + ".runtime.example.com",
      "+500-" + CONV + ".runtime.example.com",
      "5000" + CONV + ".runtime.example.com",
      "5000-" + CONV + "-x.runtime.example.com",
      "a.5000-" + CONV + ".runtime.example.com",
      "5000-" + CONV + ".x.runtime.example.com",
      "5000-" + CONV + ".runtime."})
  void row04_malformedHosts(String host) {
    assertInstanceOf(AddressParse.Malformed.class, RuntimeAddressParser.parse(host, "/"), host);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/runtime/" + CONV,
      "/runtime/" + CONV + "/",
      "/runtime/" + CONV + "/0",
      "/runtime/" + CONV + "/080/",
      "/runtime/" + CONV + "/70000/",
      "/runtime/" + CONV + "/80a/",
      "/runtime/0123/8000/",
      "/runtime/0123456789ABCDEF0123456789ABCDEF/8000/",
      "/runtime//8000/"})
  void row04_malformedPaths(String uri) {
    assertInstanceOf(AddressParse.Malformed.class, RuntimeAddressParser.parse("openhands.example.com", uri), uri);
  }

  @ParameterizedTest
  @CsvSource({
      "openhands.example.com, /",
      "openhands.example.com, /runtime",
      "openhands.example.com, /runtimes/x",
      "runtime.example.com, /",
      "localhost, /api",
      "10.0.1.23:8080, /health",
      "[::1]:8080, /",
      "example.com.runtime, /"})
  void notRuntime(String host, String uri) {
    assertInstanceOf(AddressParse.NotRuntime.class, RuntimeAddressParser.parse(host, uri));
  }

  @org.junit.jupiter.api.Test
  void missingHost_fallsBackToThePath() {
    assertInstanceOf(AddressParse.NotRuntime.class, RuntimeAddressParser.parse(null, "/"));
    assertInstanceOf(AddressParse.Runtime.class, RuntimeAddressParser.parse(null, "/runtime/" + CONV + "/1/"));
  }
}
