package dev.openhands.runtime.gateway.console;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.gateway.failure.ErrorResponses;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.registry.PortShare;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner's console (row 24) for a signed-in user: the page under {@code /_runtime/} (plain HTML, CSS and a
 * little JavaScript from the jar) and its JSON API under {@code /_runtime/api/}. Reads list the caller's own
 * sandboxes only; writes change only the caller's own items (conditional on {@code user_id}) and need a
 * main-host {@code Origin} and the caller's CSRF token.
 */
public final class Console {

  public static final String PATH = "/_runtime/";
  private static final Logger LOG = LoggerFactory.getLogger(Console.class);
  private static final Pattern SHARE_PATH = Pattern.compile("/_runtime/api/sandboxes/([^/]+)/ports/([^/]+)/share");
  private static final int MAX_BODY_BYTES = 8192;
  private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
  private static final Map<String, Asset> ASSETS = Map.of(
      PATH, new Asset("index.html", "text/html; charset=utf-8"),
      PATH + "console.js", new Asset("console.js", "text/javascript; charset=utf-8"),
      PATH + "console.css", new Asset("console.css", "text/css; charset=utf-8"));

  /**
   * Where the console is served.
   *
   * @param origin the main host's origin, the only {@code Origin} a write may come from
   * @param runtimeUrl the runtime URL template, with {@code {port}} and {@code {id}} to fill in
   * @param demoUser whether the user is local mode's fixed demo user (the page says so)
   */
  public record Site(String origin, String runtimeUrl, boolean demoUser) {}

  private record Asset(String file, String contentType) {
    Buffer load() {
      try (InputStream in = Console.class.getResourceAsStream("/console/" + file)) {
        if (in == null) {
          throw new IllegalStateException("console asset missing from the jar: " + file);
        }
        return Buffer.buffer(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final Map<String, Buffer> assets;
  private final OwnedSandboxes sandboxes;
  private final CsrfTokens csrf;
  private final Consumer<String> sharesChanged;

  /** @param sharesChanged told the conversation id after each share change (the route cache forgets it) */
  public Console(OwnedSandboxes sandboxes, CsrfTokens csrf, Consumer<String> sharesChanged) {
    this.assets = ASSETS.entrySet().stream()
        .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().load()));
    this.sandboxes = sandboxes;
    this.csrf = csrf;
    this.sharesChanged = sharesChanged;
  }

  /** Whether {@code path} is the console's (a request for it never reaches the app). */
  public static boolean owns(String path) {
    return path.equals("/_runtime") || path.startsWith(PATH);
  }

  /** Whether {@code path} is the console's API (scripts: a missing sign-in is 401, not a redirect). */
  public static boolean isApi(String path) {
    return path.startsWith(PATH + "api/");
  }

  /** Serves one request of the signed-in {@code userId}; the request flows (it is not paused). */
  public void serve(HttpServerRequest request, String userId, Site site) {
    String path = request.path();
    HttpMethod method = request.method();
    if (path.equals("/_runtime")) {
      request.response().setStatusCode(301).putHeader("Location", PATH).end();
    } else if (assets.containsKey(path) && (method == HttpMethod.GET || method == HttpMethod.HEAD)) {
      asset(request, path);
    } else if (path.equals(PATH + "api/session") && method == HttpMethod.GET) {
      json(request, 200, new JsonObject().put("user", userId).put("csrf", csrf.issue(userId))
          .put("runtimeUrl", site.runtimeUrl()).put("demoUser", site.demoUser()));
    } else if (path.equals(PATH + "api/sandboxes") && method == HttpMethod.GET) {
      answer(request, sandboxes.list(userId).thenApply(list -> new JsonObject().put("sandboxes", toJson(list))));
    } else {
      Matcher share = SHARE_PATH.matcher(path);
      if (share.matches() && (method == HttpMethod.PUT || method == HttpMethod.DELETE)) {
        write(request, userId, site, share.group(1), share.group(2));
      } else if (isApi(path) && method != HttpMethod.GET && !sameSite(request, userId, site)) {
        refuseCrossSite(request);
      } else {
        fail(request, new GatewayFailure(isApi(path) && share.matches() ? 405 : 404, "not found"));
      }
    }
  }

  private void write(HttpServerRequest request, String userId, Site site, String id, String portText) {
    if (!sameSite(request, userId, site)) {
      refuseCrossSite(request);
      return;
    }
    int port = PortShare.port(portText);
    if (!RegistrySchema.isConversationId(id) || port < 0) {
      fail(request, new GatewayFailure(400, "a sandbox id is 32 lowercase hex characters, a port 1 to 65535"));
      return;
    }
    if (request.method() == HttpMethod.DELETE) {
      changed(request, id, sandboxes.unshare(userId, id, port));
      return;
    }
    String length = request.getHeader("Content-Length");
    if (length == null || !length.matches("\\d{1,5}") || Integer.parseInt(length) > MAX_BODY_BYTES) {
      fail(request, new GatewayFailure(400, "send the share as JSON with a Content-Length of at most 8 KiB"));
      return;
    }
    request.body().onComplete(ar -> {
      PortShare share = ar.succeeded() ? readShare(ar.result()) : null;
      if (share == null) {
        fail(request, new GatewayFailure(400, "expected {\"level\": \"public\" | \"authenticated\" | \"users\","
            + " \"users\": [1 to " + PortShare.MAX_USERS + " sign-in ids] with users}"));
        return;
      }
      changed(request, id, sandboxes.share(userId, id, port, share));
    });
  }

  /** Writes need the main host's {@code Origin} and the caller's CSRF token: a cross-site page has neither. */
  private boolean sameSite(HttpServerRequest request, String userId, Site site) {
    String origin = request.getHeader("Origin");
    return origin != null && origin.equals(site.origin()) && csrf.accepts(userId, request.getHeader("X-CSRF-Token"));
  }

  private static void refuseCrossSite(HttpServerRequest request) {
    fail(request, new GatewayFailure(403, "cross-site writes are refused: use the console's own page"));
  }

  /** {@code {level, users?}}, or {@code null} when it is not a valid share. */
  static PortShare readShare(Buffer body) {
    JsonObject json;
    try {
      json = body.toJsonObject();
    } catch (RuntimeException notJson) {
      return null;
    }
    PortShare.Level level = PortShare.Level.parse(json.getValue("level") instanceof String s ? s : null)
        .orElse(null);
    if (level == null) {
      return null;
    }
    Set<String> users = new LinkedHashSet<>();
    Object listed = json.getValue("users");
    if (listed instanceof JsonArray array) {
      for (Object user : array) {
        if (!(user instanceof String sub) || !PortShare.isUserId(sub)) {
          return null;
        }
        users.add(sub);
      }
    } else if (listed != null) {
      return null;
    }
    if (level == PortShare.Level.USERS && (users.isEmpty() || users.size() > PortShare.MAX_USERS)) {
      return null;
    }
    return new PortShare(level, users);
  }

  private void changed(HttpServerRequest request, String id, CompletableFuture<Boolean> write) {
    onThisLoop(write).onComplete((owned, err) -> {
      if (err != null) {
        LOG.warn("share change of {} failed: {}", id, err.toString());
        fail(request, new GatewayFailure(503, "the sandbox registry is unavailable, try again shortly"));
      } else if (!owned) {
        fail(request, new GatewayFailure(404, "you have no sandbox with this id"));
      } else {
        sharesChanged.accept(id);
        request.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
      }
    });
  }

  private void answer(HttpServerRequest request, CompletableFuture<JsonObject> body) {
    onThisLoop(body).onComplete((json, err) -> {
      if (err != null) {
        LOG.warn("console listing failed: {}", err.toString());
        fail(request, new GatewayFailure(503, "the sandbox registry is unavailable, try again shortly"));
      } else {
        json(request, 200, json);
      }
    });
  }

  /**
   * The registry's answer, completed on the calling event loop: a response is written only there (the listener's
   * server runs in strict thread mode), never on the SDK's thread.
   */
  private static <T> Future<T> onThisLoop(CompletableFuture<T> stage) {
    return Future.fromCompletionStage(stage, Vertx.currentContext());
  }

  private static JsonArray toJson(List<OwnedSandboxes.Sandbox> list) {
    JsonArray array = new JsonArray();
    for (OwnedSandboxes.Sandbox sandbox : list) {
      JsonObject shares = new JsonObject();
      sandbox.shares().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
        JsonObject share = new JsonObject().put("level", e.getValue().level().wireName());
        if (e.getValue().level() == PortShare.Level.USERS) {
          share.put("users", new JsonArray(e.getValue().users().stream().sorted().toList()));
        }
        shares.put(Integer.toString(e.getKey()), share);
      });
      array.add(new JsonObject().put("id", sandbox.conversationId()).put("status", sandbox.status())
          .put("createdAt", sandbox.createdAt()).put("lastActivityAt", sandbox.lastActivityAt())
          .put("shares", shares));
    }
    return array;
  }

  private void asset(HttpServerRequest request, String path) {
    HttpServerResponse response = request.response();
    response.putHeader("Content-Type", ASSETS.get(path).contentType())
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "same-origin")
        .putHeader("Content-Security-Policy", PAGE_POLICY)
        .end(assets.get(path));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(body.encode());
  }

  private static void fail(HttpServerRequest request, GatewayFailure failure) {
    ErrorResponses.send(request, failure);
  }
}
