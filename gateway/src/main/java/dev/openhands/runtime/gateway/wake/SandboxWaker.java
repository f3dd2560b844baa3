package dev.openhands.runtime.gateway.wake;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Row 20: wakes a sleeping sandbox with the orchestrator's {@code POST /resume}, at most once per conversation per
 * cooldown, whichever event loop asks: every request in the cooldown shares the first one's call and its outcome.
 */
public final class SandboxWaker {

  private static final Logger LOG = LoggerFactory.getLogger(SandboxWaker.class);
  /** Above the orchestrator's own answer window (7 s): it answers {@code starting} by then. */
  private static final long CALL_TIMEOUT_MS = 10_000;
  private static final int MAX_ANSWER_BYTES = 64 * 1024;

  /** What came of one wake: the sandbox runs, is on its way, or the orchestrator refused (and why, for the user). */
  public sealed interface Outcome {
    record Running() implements Outcome {}

    record Starting() implements Outcome {}

    record Refused(String why) implements Outcome {}
  }

  /**
   * One wake of one conversation.
   *
   * @param startedNanos when the resume call was made ({@link System#nanoTime()}), for "waiting for ... s"
   * @param outcome completes (never exceptionally) with the orchestrator's answer
   */
  public record Wake(long startedNanos, CompletableFuture<Outcome> outcome) {

    public long waitedSeconds(long nowNanos) {
      return Math.max(0, (nowNanos - startedNanos) / 1_000_000_000L);
    }
  }

  private final HttpClient client;
  private final URI resumeUrl;
  private final String apiKey;
  private final Cache<String, Wake> recent;
  private final LongAdder calls = new LongAdder();

  /**
   * @param client the client of the orchestrator calls (any event loop's)
   * @param orchestrator the orchestrator's base URL
   * @param cooldown at most one resume call per conversation per this
   */
  public SandboxWaker(HttpClient client, URI orchestrator, String apiKey, Duration cooldown, Ticker ticker) {
    this.client = client;
    this.resumeUrl = orchestrator.resolve(orchestrator.getPath().endsWith("/") ? "resume" : orchestrator.getPath()
        + "/resume");
    this.apiKey = apiKey;
    this.recent = Caffeine.newBuilder().expireAfterWrite(cooldown).maximumSize(100_000).ticker(ticker).build();
  }

  /** The wake of {@code conversationId} in this cooldown: the one under way, or a new resume call. */
  public Wake wake(String conversationId) {
    return recent.get(conversationId, id -> new Wake(System.nanoTime(), resume(id)));
  }

  /** The wake of this cooldown, if one was made. */
  public Wake recent(String conversationId) {
    return recent.getIfPresent(conversationId);
  }

  /** Resume calls made since start. */
  public long calls() {
    return calls.sum();
  }

  private CompletableFuture<Outcome> resume(String conversationId) {
    calls.increment();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(resumeUrl.toString())
        .putHeader("X-API-Key", apiKey)
        .putHeader("Content-Type", "application/json")
        .setTimeout(CALL_TIMEOUT_MS);
    Buffer body = new JsonObject().put("runtime_id", conversationId).toBuffer();
    Future<Outcome> outcome = client.request(options)
        .compose(request -> request.send(body))
        .compose(response -> response.body().map(answer -> outcome(conversationId, response, answer)));
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    outcome.onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        LOG.warn("resume of {} failed: {}", conversationId, ar.cause().toString());
        done.complete(new Outcome.Refused("the orchestrator is not reachable now"));
      }
    });
    return done;
  }

  private static Outcome outcome(String conversationId, HttpClientResponse response, Buffer answer) {
    int status = response.statusCode();
    if (status == 200 || status == 201) {
      String state = answer.length() <= MAX_ANSWER_BYTES ? status(answer) : "";
      return "running".equals(state) ? new Outcome.Running() : new Outcome.Starting();
    }
    LOG.warn("resume of {} refused: {} {}", conversationId, status, answer.length() <= 512 ? answer : "");
    return new Outcome.Refused(switch (status) {
      case 409 -> "the sandbox was archived and cannot start again; its conversation stays readable in OpenHands";
      case 404 -> "the orchestrator does not know this sandbox any more";
      case 401, 403 -> "the gateway is not allowed to wake sandboxes (its orchestrator key was refused)";
      default -> "the orchestrator could not start it now (" + status + ")";
    });
  }

  private static String status(Buffer answer) {
    try {
      return answer.toJsonObject().getString("status", "");
    } catch (RuntimeException notJson) {
      return "";
    }
  }
}
