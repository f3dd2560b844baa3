package dev.openhands.runtime.loadtest.simulations;

import dev.openhands.runtime.loadtest.LocalHarness;
import dev.openhands.runtime.loadtest.SandboxFarm;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where a simulation sends its load. By default the {@link LocalHarness}, started for the run and stopped after
 * it. With {@code -DbaseUrl=https://openhands.example.com} a deployment: {@code -Dconversations=id1,id2,...}
 * (conversations whose sandbox runs the test app on {@code -DappPort}, default 5000) and the signed-in user's
 * {@code id_token} from the {@code ID_TOKEN} environment variable (or {@code -DidToken}), sent as a cookie;
 * CloudFront adds the origin header there.
 */
interface Target extends AutoCloseable {

  /** The main host's base URL ({@code http://127.0.0.1:port} locally); the app and path-form traffic. */
  String mainUrl();

  /** The main host's name. */
  String mainHost();

  /** The WebSocket base URL of the main host. */
  String mainWebSocketUrl();

  /** How many conversations (sandboxes) there are to spread users over. */
  int conversations();

  String conversation(int index);

  /** The port of the app in each sandbox. */
  int appPort();

  /** The runtime host of conversation {@code index}'s app: {@code {port}-{convId}.runtime.…}. */
  String runtimeHost(int index);

  /** Where requests for that runtime host go (locally the gateway's address, with the name in Host). */
  String runtimeUrl(int index);

  String runtimeWebSocketUrl(int index);

  /** Headers every request carries: the origin secret locally, the id_token cookie against a deployment. */
  Map<String, String> headers();

  @Override
  void close();

  /** The target the knobs name. */
  static Target fromKnobs() {
    String baseUrl = System.getProperty("baseUrl", "");
    return baseUrl.isBlank() ? Local.start() : Deployed.fromKnobs(URI.create(baseUrl));
  }

  /** The local harness: DynamoDB Local, sandboxes on loopback, an app upstream, the gateway jar. */
  final class Local implements Target {
    private final LocalHarness harness;

    private Local(LocalHarness harness) {
      this.harness = harness;
    }

    static Local start() {
      try {
        Path jar = Path.of(System.getProperty("gateway.jar", "../gateway/target/gateway.jar")).toAbsolutePath();
        return new Local(LocalHarness.start(Knobs.integer("sandboxes", 20), jar));
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the local harness: " + e.getMessage(), e);
      }
    }

    private String gateway() {
      return "127.0.0.1:" + harness.gatewayPort();
    }

    @Override
    public String mainUrl() {
      return "http://" + gateway();
    }

    @Override
    public String mainHost() {
      return LocalHarness.MAIN_HOST;
    }

    @Override
    public String mainWebSocketUrl() {
      return "ws://" + gateway();
    }

    @Override
    public int conversations() {
      return harness.sandboxes();
    }

    @Override
    public String conversation(int index) {
      return SandboxFarm.conversation(index);
    }

    @Override
    public int appPort() {
      return harness.sandboxPort();
    }

    @Override
    public String runtimeHost(int index) {
      return harness.runtimeHost(index);
    }

    @Override
    public String runtimeUrl(int index) {
      return mainUrl();
    }

    @Override
    public String runtimeWebSocketUrl(int index) {
      return mainWebSocketUrl();
    }

    @Override
    public Map<String, String> headers() {
      return Map.of("X-Origin-Verify", LocalHarness.SECRET);
    }

    @Override
    public void close() {
      try {
        harness.close();
      } catch (Exception e) {
        System.err.println("harness: " + e);
      }
    }
  }

  /** A deployment behind CloudFront, reached with a signed-in user's id_token. */
  record Deployed(URI base, List<String> conversationIds, int appPort, String idToken) implements Target {

    static Deployed fromKnobs(URI base) {
      if (!"https".equals(base.getScheme()) || base.getHost() == null) {
        throw new IllegalArgumentException("baseUrl: '" + base + "' (expected: https://{subDomain}.{domain})");
      }
      List<String> ids = Arrays.stream(System.getProperty("conversations", "").split(","))
          .map(String::trim).filter(s -> !s.isEmpty()).toList();
      if (ids.isEmpty() || !ids.stream().allMatch(id -> id.matches("[0-9a-f]{32}"))) {
        throw new IllegalArgumentException("conversations: '" + System.getProperty("conversations", "")
            + "' (expected: conversation ids, 32 hex characters each, separated by commas)");
      }
      String token = System.getenv().getOrDefault("ID_TOKEN", System.getProperty("idToken", ""));
      if (token.isBlank()) {
        throw new IllegalArgumentException("ID_TOKEN: not set (expected: the signed-in user's id_token cookie value)");
      }
      return new Deployed(base, ids, Knobs.integer("appPort", 5000), token);
    }

    @Override
    public String mainUrl() {
      return "https://" + base.getHost();
    }

    @Override
    public String mainHost() {
      return base.getHost();
    }

    @Override
    public String mainWebSocketUrl() {
      return "wss://" + base.getHost();
    }

    @Override
    public int conversations() {
      return conversationIds.size();
    }

    @Override
    public String conversation(int index) {
      return conversationIds.get(index);
    }

    @Override
    public String runtimeHost(int index) {
      return appPort + "-" + conversation(index) + ".runtime." + base.getHost();
    }

    @Override
    public String runtimeUrl(int index) {
      return "https://" + runtimeHost(index);
    }

    @Override
    public String runtimeWebSocketUrl(int index) {
      return "wss://" + runtimeHost(index);
    }

    @Override
    public Map<String, String> headers() {
      return Map.of("Cookie", "id_token=" + idToken);
    }

    @Override
    public String toString() {
      return "Deployed[" + base + ", " + conversationIds.size() + " conversations]";
    }

    @Override
    public void close() {}
  }
}
