package dev.openhands.runtime.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import dev.openhands.runtime.gateway.routing.AddressParse;
import dev.openhands.runtime.gateway.routing.RuntimeAddress;
import dev.openhands.runtime.gateway.routing.RuntimeAddressParser;
import dev.openhands.runtime.gateway.security.SetCookieRewriter;
import java.util.Locale;

/**
 * Fuzz tests for the two parsers that read attacker-controlled text on every request. In {@code mvn test}
 * they run their seeds (regression mode); {@code JAZZER_FUZZ=1 ./mvnw -pl gateway test
 * -Dtest=AddressAndCookieFuzzTest -Djazzer.max_duration=5m} fuzzes for real.
 *
 * <p>Each checks properties, not just "no exception": a parsed address is always one the strict grammar
 * allows and round-trips; a rewritten cookie never keeps a Domain attribute and always ends up Secure with
 * a SameSite.
 */
class AddressAndCookieFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void runtimeAddressParser_acceptsOnlyTheStrictGrammar(FuzzedDataProvider data) {
    String host = data.consumeString(120);
    String uri = "/" + data.consumeRemainingAsString();
    AddressParse parsed = RuntimeAddressParser.parse(host, uri);
    if (parsed instanceof AddressParse.Runtime runtime) {
      RuntimeAddress address = runtime.address();
      assertTrue(address.conversationId().matches("[0-9a-f]{32}"), address.toString());
      assertTrue(address.port() >= 1 && address.port() <= 65535, address.toString());
      assertTrue(address.upstreamUri().startsWith("/"), address.toString());
      String lowered = host.toLowerCase(Locale.ROOT);
      String hostForm = address.port() + "-" + address.conversationId() + ".runtime.";
      String pathForm = "/runtime/" + address.conversationId() + "/" + address.port();
      assertTrue(lowered.startsWith(hostForm) || uri.startsWith(pathForm), host + " " + uri);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void setCookieRewriter_neverKeepsDomain_alwaysSecureWithSameSite(@NotNull String setCookie) {
    if (!isHeaderValue(setCookie)) {
      return;
    }
    String rewritten = SetCookieRewriter.rewrite(setCookie);
    String[] parts = rewritten.split(";");
    boolean secure = false;
    boolean sameSite = false;
    for (int i = 1; i < parts.length; i++) {
      String name = wspTrim(wspTrim(parts[i]).split("=", 2)[0]).toLowerCase(Locale.ROOT);
      assertFalse(name.equals("domain"), rewritten);
      secure |= name.equals("secure");
      sameSite |= name.equals("samesite");
    }
    assertTrue(secure, rewritten);
    assertTrue(sameSite, rewritten);
    assertEquals(rewritten, SetCookieRewriter.rewrite(rewritten), "rewriting is idempotent");
  }

  /** What the HTTP decoder lets through as a header value: no control characters but HTAB. */
  private static boolean isHeaderValue(String s) {
    return s.chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7f);
  }

  /** Trims spaces and tabs, the whitespace browsers strip around cookie attributes (RFC 6265). */
  private static String wspTrim(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    return s.substring(from, to);
  }
}
