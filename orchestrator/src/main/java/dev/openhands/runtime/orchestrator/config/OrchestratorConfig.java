package dev.openhands.runtime.orchestrator.config;

import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.common.config.Durations;
import dev.openhands.runtime.common.config.EnvReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the orchestrator is configured with, read once from the environment and validated as a whole.
 * Each bad value fails {@link #fromEnv(Map)} with a {@link ConfigException} whose message names the variable.
 * {@link #toString()} never shows the API keys or the owner database's password.
 *
 * @param bindAddress address the listeners bind to
 * @param apiPort the remote-runtime API's listener ({@code ORCHESTRATOR_PORT})
 * @param adminPort listener for Prometheus {@code /metrics}
 * @param apiKeys accepted {@code X-API-Key} values: the app's ({@code ORCHESTRATOR_API_KEYS}) and the gateway's
 *     ({@code ORCHESTRATOR_GATEWAY_API_KEYS}, optional), each one key or two during its rotation
 * @param sandboxTable the registry table
 * @param awsRegion region, or {@code null} for the SDK's default chain
 * @param dynamoDbEndpoint endpoint override for the registry (DynamoDB Local), or {@code null}
 * @param provider how sandboxes run
 * @param ecs the {@code ecs} provider's settings, or {@code null} with {@code local}
 * @param localSandboxCommand the {@code local} provider's command ({@code {ip}}, {@code {agentPort}},
 *     {@code {conversationId}} filled in; run by {@code /bin/sh -c}), or {@code null} for the bundled demo sandbox
 * @param agentServerPort where {@code /alive} is asked and the runtime object's {@code url} points
 * @param startTimeout how long a sandbox may stay {@code STARTING}
 * @param idleTimeout a running sandbox without activity for this long is paused (unless its agent is working)
 * @param retention a paused or stopped sandbox untouched for this long is archived
 * @param reconcileInterval how often the reconciler sweeps
 * @param ownerDbUrl JDBC URL of the app's database for owner look-ups, or {@code null}
 * @param ownerDbUser its user, or {@code null} (then from the URL)
 * @param ownerDbPassword its password, or {@code null}
 * @param ownerDbQuery SQL with two parameters (the conversation id in hex and in dashed form) returning the owner
 * @param workspaceRoot where the workspace file system is mounted, or {@code null}
 * @param dataBucket the app's S3 bucket whose conversation objects {@code /delete} removes, or {@code null}
 * @param s3Endpoint endpoint override for S3, or {@code null}
 * @param drainTimeout after SIGTERM, exit no later than this
 */
public record OrchestratorConfig(
    String bindAddress,
    int apiPort,
    int adminPort,
    List<String> apiKeys,
    String sandboxTable,
    String awsRegion,
    URI dynamoDbEndpoint,
    ProviderKind provider,
    EcsSettings ecs,
    String localSandboxCommand,
    int agentServerPort,
    Duration startTimeout,
    Duration idleTimeout,
    Duration retention,
    Duration reconcileInterval,
    String ownerDbUrl,
    String ownerDbUser,
    String ownerDbPassword,
    String ownerDbQuery,
    Path workspaceRoot,
    String dataBucket,
    URI s3Endpoint,
    Duration drainTimeout) {

  /** Keys shorter than this are refused: the key is all that stands between the VPC and every sandbox. */
  public static final int MIN_API_KEY_LENGTH = 16;

  /**
   * The owner of a conversation in OpenHands' database: {@code conversation_metadata.user_id}, for the id in hex
   * or dashed form (the app has stored both).
   */
  public static final String DEFAULT_OWNER_QUERY =
      "SELECT user_id FROM conversation_metadata WHERE conversation_id IN (?, ?) AND user_id IS NOT NULL"
          + " AND user_id <> '' LIMIT 1";

  public OrchestratorConfig {
    apiKeys = List.copyOf(apiKeys);
    if (apiKeys.isEmpty() || apiKeys.size() > 4) {
      throw new ConfigException("ORCHESTRATOR_API_KEYS: " + apiKeys.size()
          + " values in all (expected: the app's and the gateway's, each one or two during rotation)");
    }
    for (String key : apiKeys) {
      if (key.length() < MIN_API_KEY_LENGTH) {
        throw new ConfigException("ORCHESTRATOR_API_KEYS: a key of " + key.length() + " characters (expected: at least "
            + MIN_API_KEY_LENGTH + ")");
      }
    }
    if (apiPort == adminPort) {
      throw new ConfigException("ADMIN_PORT: " + adminPort + " (expected: a port other than ORCHESTRATOR_PORT)");
    }
    if (provider == ProviderKind.ECS && ecs == null) {
      throw new ConfigException("SANDBOX_PROVIDER: ecs (expected: with ECS_CLUSTER and the other ecs settings)");
    }
    if (ownerDbUrl != null && !ownerDbUrl.startsWith("jdbc:postgresql://")) {
      throw new ConfigException("OWNER_DB_URL: '" + ownerDbUrl
          + "' (expected: a PostgreSQL JDBC URL, jdbc:postgresql://host:port/database)");
    }
    if (ownerDbQuery.chars().filter(c -> c == '?').count() != 2) {
      throw new ConfigException("OWNER_DB_QUERY: (expected: SQL with two ? parameters, the id in hex and dashed)");
    }
    if (workspaceRoot != null && !workspaceRoot.isAbsolute()) {
      throw new ConfigException("WORKSPACE_ROOT: '" + workspaceRoot + "' (expected: an absolute path)");
    }
    if (dataBucket != null && !dataBucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new ConfigException("DATA_BUCKET: '" + dataBucket + "' (expected: an S3 bucket name)");
    }
  }

  /** The app's keys, then the gateway's (its own secret in a deployment, so each rotates on its own). */
  private static List<String> apiKeys(EnvReader in) {
    List<String> keys = new java.util.ArrayList<>();
    for (String name : List.of("ORCHESTRATOR_API_KEYS", "ORCHESTRATOR_GATEWAY_API_KEYS")) {
      List<String> values = name.equals("ORCHESTRATOR_API_KEYS") ? in.requiredList(name) : in.list(name);
      if (values.size() > 2) {
        throw new ConfigException(name + ": " + values.size()
            + " values (expected: one, or two separated by a comma during rotation)");
      }
      keys.addAll(values);
    }
    return keys;
  }

  /** Reads and validates the configuration from environment variables. */
  public static OrchestratorConfig fromEnv(Map<String, String> env) {
    EnvReader in = new EnvReader(env);
    ProviderKind provider = in.choice("SANDBOX_PROVIDER", ProviderKind.class, "ecs");
    return new OrchestratorConfig(
        in.string("BIND_ADDRESS", "0.0.0.0"),
        in.port("ORCHESTRATOR_PORT", 8081),
        in.port("ADMIN_PORT", 9091),
        apiKeys(in),
        in.tableName("SANDBOX_TABLE"),
        in.optional("AWS_REGION"),
        in.httpUri("DYNAMODB_ENDPOINT"),
        provider,
        provider == ProviderKind.ECS ? ecs(in) : null,
        provider == ProviderKind.LOCAL ? localCommand(in) : null,
        in.port("AGENT_SERVER_PORT", 8000),
        in.positiveDuration("START_TIMEOUT", "180s"),
        in.positiveDuration("IDLE_TIMEOUT", "30m"),
        in.positiveDuration("RETENTION", "180d"),
        in.positiveDuration("RECONCILE_INTERVAL", "30s"),
        in.optional("OWNER_DB_URL"),
        in.optional("OWNER_DB_USER"),
        in.optional("OWNER_DB_PASSWORD"),
        in.string("OWNER_DB_QUERY", DEFAULT_OWNER_QUERY),
        path(in.optional("WORKSPACE_ROOT")),
        in.optional("DATA_BUCKET"),
        in.httpUri("S3_ENDPOINT"),
        in.positiveDuration("DRAIN_TIMEOUT", "25s"));
  }

  private static EcsSettings ecs(EnvReader in) {
    return new EcsSettings(
        in.required("ECS_CLUSTER"),
        family(in.required("SANDBOX_TASK_FAMILY")),
        prefixed(in.requiredList("SANDBOX_SUBNETS"), "SANDBOX_SUBNETS", "subnet-"),
        prefixed(in.requiredList("SANDBOX_SECURITY_GROUPS"), "SANDBOX_SECURITY_GROUPS", "sg-"),
        matching(in.required("EFS_FILE_SYSTEM_ID"), "EFS_FILE_SYSTEM_ID", "fs-[0-9a-f]{8,40}", "fs-0123456789abcdef0"),
        in.httpUri("ECS_ENDPOINT"),
        in.httpUri("EFS_ENDPOINT"));
  }

  private static String localCommand(EnvReader in) {
    String command = in.optional("LOCAL_SANDBOX_COMMAND");
    if (command != null && !command.contains("{ip}")) {
      throw new ConfigException("LOCAL_SANDBOX_COMMAND: '" + command
          + "' (expected: a command that listens on {ip}; {agentPort} and {conversationId} are filled in too)");
    }
    return command;
  }

  private static String family(String value) {
    return matching(value, "SANDBOX_TASK_FAMILY", "[A-Za-z0-9_-]{1,255}", "openhands-sandbox");
  }

  private static String matching(String value, String name, String pattern, String example) {
    if (!value.matches(pattern)) {
      throw new ConfigException(name + ": '" + value + "' (expected: a value like " + example + ")");
    }
    return value;
  }

  private static List<String> prefixed(List<String> values, String name, String prefix) {
    for (String value : values) {
      if (!value.matches(prefix + "[0-9a-f]{8,40}")) {
        throw new ConfigException(name + ": '" + value + "' (expected: ids like " + prefix + "0123456789abcdef0)");
      }
    }
    return values;
  }

  private static Path path(String value) {
    return value == null ? null : Path.of(value);
  }

  /** Whether the owner of a sandbox started without one is looked up in the app's database. */
  public boolean looksUpOwners() {
    return ownerDbUrl != null;
  }

  @Override
  public String toString() {
    return "OrchestratorConfig[bind=" + bindAddress + ":" + apiPort
        + ", admin=" + adminPort
        + ", apiKeys=" + apiKeys.size() + " (hidden)"
        + ", table=" + sandboxTable
        + ", region=" + (awsRegion == null ? "(sdk default)" : awsRegion)
        + ", dynamoDbEndpoint=" + (dynamoDbEndpoint == null ? "(aws)" : dynamoDbEndpoint)
        + ", provider=" + provider.name().toLowerCase(Locale.ROOT)
        + (ecs == null ? "" : ", cluster=" + ecs.cluster() + ", family=" + ecs.taskFamily()
            + ", subnets=" + ecs.subnets() + ", securityGroups=" + ecs.securityGroups()
            + ", fileSystem=" + ecs.fileSystemId())
        + (provider == ProviderKind.LOCAL
            ? ", localCommand=" + (localSandboxCommand == null ? "(demo sandbox)" : localSandboxCommand) : "")
        + ", agentServerPort=" + agentServerPort
        + ", startTimeout=" + Durations.format(startTimeout)
        + ", idleTimeout=" + Durations.format(idleTimeout)
        + ", retention=" + Durations.format(retention)
        + ", reconcileInterval=" + Durations.format(reconcileInterval)
        + ", ownerDb=" + (ownerDbUrl == null ? "(none)" : ownerDbUrl.replaceAll("password=[^&]*", "password=(hidden)"))
        + ", workspaceRoot=" + (workspaceRoot == null ? "(none)" : workspaceRoot)
        + ", dataBucket=" + (dataBucket == null ? "(none)" : dataBucket)
        + ", drainTimeout=" + Durations.format(drainTimeout) + "]";
  }
}
