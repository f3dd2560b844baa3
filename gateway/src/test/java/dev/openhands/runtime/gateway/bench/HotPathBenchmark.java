package dev.openhands.runtime.gateway.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.gateway.proxy.ForwardedHeaders;
import dev.openhands.runtime.gateway.proxy.RequestFacts;
import dev.openhands.runtime.gateway.proxy.Upstream;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.routing.AddressParse;
import dev.openhands.runtime.gateway.routing.RuntimeAddressParser;
import dev.openhands.runtime.gateway.security.SecurityHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's per-request work outside the network: parsing the runtime address, the route cache hit,
 * building the upstream request headers, and decorating the sandbox's response headers. Headers are the
 * ones a browser sends through CloudFront and the ALB.
 *
 * <p>Run: {@code ./mvnw -pl gateway -Pbench test-compile exec:exec}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class HotPathBenchmark {

  static final String CONV = "0123456789abcdef0123456789abcdef";
  static final String HOST = "5173-" + CONV + ".runtime.openhands.example.com";

  RouteCache routes;
  ForwardedHeaders forwarded;
  MultiMap browserRequest;
  MultiMap sandboxResponse;
  RequestFacts facts;
  Upstream upstream;

  @Setup
  public void setup() {
    routes = new RouteCache(id -> CompletableFuture.completedFuture(new SandboxRoute.Running("10.0.12.34", "user-a")),
        new RouteCache.Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(2), 100_000),
        Ticker.systemTicker(), Runnable::run);
    routes.get(CONV).join();
    forwarded = new ForwardedHeaders(Set.of("id_token", "refresh_token"));
    browserRequest = HttpHeaders.headers()
        .add("Host", HOST)
        .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
        .add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .add("Accept-Language", "en-US,en;q=0.9")
        .add("Accept-Encoding", "gzip, deflate, br")
        .add("Cookie", "id_token=eyJhbGciOiJSUzI1NiJ9.payload.signature; refresh_token=abc; theme=dark")
        .add("Sec-Fetch-Mode", "navigate")
        .add("Sec-Fetch-Site", "same-site")
        .add("X-Origin-Verify", "origin-secret-0123456789")
        .add("X-Cognito-User-Id", "user-a")
        .add("X-Forwarded-For", "198.51.100.7")
        .add("X-Forwarded-Proto", "http")
        .add("X-Forwarded-Port", "80")
        .add("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678")
        .add("Via", "2.0 abcdef.cloudfront.net (CloudFront)")
        .add("Connection", "keep-alive");
    sandboxResponse = HttpHeaders.headers()
        .add("Content-Type", "text/html; charset=utf-8")
        .add("Content-Length", "5120")
        .add("Cache-Control", "no-cache")
        .add("ETag", "W/\"1400-abc\"")
        .add("Set-Cookie", "session=xyz; Path=/; HttpOnly")
        .add("Connection", "keep-alive")
        .add("Keep-Alive", "timeout=5");
    facts = new RequestFacts("0123456789abcdef0123456789abcdef", true, "10.0.1.5", "http", HOST);
    upstream = new Upstream("10.0.12.34", 5173, "/", true);
  }

  @Benchmark
  public AddressParse parseHost() {
    return RuntimeAddressParser.parse(HOST, "/src/main.tsx?t=1700000000000");
  }

  @Benchmark
  public SandboxRoute cacheHit() {
    return routes.get(CONV).join();
  }

  @Benchmark
  public MultiMap requestHeaders() {
    return forwarded.forRequest(browserRequest, facts, upstream);
  }

  @Benchmark
  public MultiMap responseHeaders() {
    MultiMap out = HttpHeaders.headers();
    ForwardedHeaders.copyResponseHeaders(sandboxResponse, out);
    SecurityHeaders.addMissing(out);
    SecurityHeaders.rewriteSetCookies(out);
    return out;
  }

  /** Everything above for one request. */
  @Benchmark
  public MultiMap hotPath() {
    AddressParse.Runtime address = (AddressParse.Runtime) RuntimeAddressParser.parse(HOST, "/src/main.tsx?t=1");
    SandboxRoute.Running route = (SandboxRoute.Running) routes.get(address.address().conversationId()).join();
    MultiMap request = forwarded.forRequest(browserRequest, facts,
        new Upstream(route.taskIp(), address.address().port(), address.address().upstreamUri(), true));
    MultiMap out = HttpHeaders.headers();
    ForwardedHeaders.copyResponseHeaders(sandboxResponse, out);
    SecurityHeaders.addMissing(out);
    SecurityHeaders.rewriteSetCookies(out);
    return request.size() > 0 ? out : request;
  }
}
