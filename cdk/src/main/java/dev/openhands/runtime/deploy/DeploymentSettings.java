package dev.openhands.runtime.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The deployment's parameters, read once from CDK context ({@code -c key=value} or {@code cdk.json}) and checked:
 * a missing or malformed one is a {@link SettingsException} naming it, so synth stops with one clear line.
 *
 * @param account the AWS account (context {@code account}, else {@code CDK_DEFAULT_ACCOUNT})
 * @param region the region of everything but Auth and Edge (context {@code region}, else {@code CDK_DEFAULT_REGION})
 * @param vpcId the existing VPC the gateway runs in
 * @param hostedZoneId the Route 53 public zone of {@code domainName}
 * @param domainName the zone's domain, e.g. {@code example.com}
 * @param subDomain the label of the main host, e.g. {@code openhands} for {@code openhands.example.com}
 * @param siteName a short lower-case name used in resource names (table, secret, log group)
 * @param authCallbackDomains further hosts whose {@code /_callback} Cognito accepts
 * @param authDomainPrefixSuffix makes the Cognito hosted domain prefix globally unique
 * @param edgeStackSuffix appended to the Edge stack's name, one Edge stack per domain
 * @param skipS3Endpoint true when the VPC already has an S3 gateway endpoint
 * @param gatewayCpu Fargate CPU units of one gateway task
 * @param gatewayMemory MiB of one gateway task
 * @param gatewayMinTasks the autoscaling floor (and the initial count)
 * @param gatewayMaxTasks the autoscaling ceiling
 * @param runtimeAuth {@code owner} (only a sandbox's owner reaches it) or {@code none}
 * @param appImage the OpenHands app image the app service runs (the original's pinned release by default)
 * @param appCpu Fargate CPU units of one app task
 * @param appMemory MiB of one app task
 * @param appUserAuthClass the app's {@code USER_AUTH_CLASS} (an image with Cognito user auth), or null for the
 *     image's own
 * @param sandboxSecurityGroupId the sandbox tasks' security group, or null to create one
 * @param alarmEmail an address subscribed to the alert topic, or null
 * @param originSecretRotating true while the origin secret is being rotated (see README, "Rotating the origin secret")
 * @param authOutputsFile the file {@code cdk deploy OpenHands-Auth --outputs-file} wrote
 * @param wafRateLimit requests per five minutes per client IP before WAF blocks
 * @param sandboxImage the agent-server image every sandbox task runs (the original's pinned one by default)
 * @param sandboxCpu Fargate CPU units of one sandbox task
 * @param sandboxMemory MiB of one sandbox task
 * @param sandboxBedrockAccess whether sandbox tasks may invoke Bedrock models (the agent's LLM calls), as the
 *     original always allows
 * @param sandboxAwsAccess whether sandbox tasks get the AWS rights of {@code sandboxAwsPolicyFile}
 * @param sandboxAwsPolicyFile a JSON IAM policy for sandbox tasks, required with {@code sandboxAwsAccess} (there is
 *     no default that allows everything), or null
 * @param databaseMinCapacity the app database's Aurora capacity floor, in ACUs (0 lets it pause when idle)
 * @param databaseMaxCapacity its ceiling, in ACUs
 * @param existingRegistryTable the name of a registry table to adopt instead of creating one, or null
 * @param existingRegistryTableKeyArn that table's customer-managed KMS key, or null for DynamoDB's own
 * @param existingWorkspaceFileSystemId the id of a workspace file system to adopt instead of creating one, or null
 * @param existingWorkspaceSecurityGroupId the security group of that file system's mount targets (required with it)
 * @param existingDataBucket the name of the app's data bucket to adopt instead of creating one, or null
 * @param databaseSnapshot a cluster snapshot (identifier or ARN) the app's database is restored from when it is
 *     created, or null for an empty database
 * @param userConfigSnapStart whether the configuration API runs with Lambda SnapStart (off where the region has
 *     none)
 */
public record DeploymentSettings(
    String account,
    String region,
    String vpcId,
    String hostedZoneId,
    String domainName,
    String subDomain,
    String siteName,
    List<String> authCallbackDomains,
    String authDomainPrefixSuffix,
    String edgeStackSuffix,
    boolean skipS3Endpoint,
    int gatewayCpu,
    int gatewayMemory,
    int gatewayMinTasks,
    int gatewayMaxTasks,
    String runtimeAuth,
    String appImage,
    int appCpu,
    int appMemory,
    String appUserAuthClass,
    String sandboxSecurityGroupId,
    String alarmEmail,
    boolean originSecretRotating,
    String authOutputsFile,
    int wafRateLimit,
    String sandboxImage,
    int sandboxCpu,
    int sandboxMemory,
    boolean sandboxBedrockAccess,
    boolean sandboxAwsAccess,
    String sandboxAwsPolicyFile,
    double databaseMinCapacity,
    double databaseMaxCapacity,
    String existingRegistryTable,
    String existingRegistryTableKeyArn,
    String existingWorkspaceFileSystemId,
    String existingWorkspaceSecurityGroupId,
    String existingDataBucket,
    String databaseSnapshot,
    boolean userConfigSnapStart) {

  /** CloudFront, its certificate, WAF and Lambda@Edge live here, whatever {@link #region()} is. */
  public static final String EDGE_REGION = "us-east-1";

  private static final Pattern HOST =
      Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,19}");
  private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9-]{0,20}");
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
  private static final Pattern VPC_ID = Pattern.compile("vpc-[0-9a-f]{8,17}");
  private static final Pattern ZONE_ID = Pattern.compile("Z[A-Z0-9]{1,31}");
  private static final Pattern SG_ID = Pattern.compile("sg-[0-9a-f]{8,17}");
  private static final Pattern IMAGE = Pattern.compile("[a-z0-9][a-z0-9./_-]*(:[A-Za-z0-9._-]{1,128})?(@sha256:[0-9a-f]{64})?");
  private static final Pattern POLICY_FILE = Pattern.compile("[^\\s].{0,1023}");
  private static final Pattern PYTHON_CLASS = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");
  private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.-]{3,255}");
  private static final Pattern KEY_ARN = Pattern.compile("arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]{36}");
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern SNAPSHOT =
      Pattern.compile("(arn:aws[a-z-]*:rds:[a-z0-9-]+:\\d{12}:cluster-snapshot:)?[A-Za-z][A-Za-z0-9:-]{0,254}");
  private static final Pattern FILE_SYSTEM_ID = Pattern.compile("fs-[0-9a-f]{8,40}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  /** Fargate's CPU units and, for each, the memory sizes (MiB) it accepts. */
  private static final Map<Integer, int[]> FARGATE_MEMORY = Map.of(
      256, new int[] {512, 1024, 2048},
      512, new int[] {1024, 2048, 3072, 4096},
      1024, new int[] {2048, 3072, 4096, 5120, 6144, 7168, 8192},
      2048, new int[] {4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384},
      4096, new int[] {8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384, 17408, 18432, 19456, 20480,
          21504, 22528, 23552, 24576, 25600, 26624, 27648, 28672, 29696, 30720});

  /** The agent-server image the original pins (its custom image tracks this release). */
  public static final String DEFAULT_SANDBOX_IMAGE = "ghcr.io/openhands/agent-server:1.19.1-python";
  /** The OpenHands app release the original pins, by its multi-architecture digest. */
  public static final String DEFAULT_APP_IMAGE = "docker.openhands.dev/openhands/openhands:1.7.0"
      + "@sha256:916abcb15cc451d96853bd41c55117bb2ff3de0b9914cdcd861d338055798dc6";
  /** The app's port, behind Cloud Map's {@code app.openhands.local}. */
  public static final int APP_PORT = 3000;

  public DeploymentSettings {
    authCallbackDomains = List.copyOf(authCallbackDomains);
    checkFargateSize("gateway", gatewayCpu, gatewayMemory);
    checkFargateSize("sandbox", sandboxCpu, sandboxMemory);
    checkFargateSize("app", appCpu, appMemory);
    if ((existingWorkspaceFileSystemId == null) != (existingWorkspaceSecurityGroupId == null)) {
      throw new SettingsException("context existingWorkspaceSecurityGroupId: "
          + (existingWorkspaceFileSystemId == null ? "set without existingWorkspaceFileSystemId"
              : "not set (expected: the security group of the adopted file system's mount targets)"));
    }
    if (existingRegistryTableKeyArn != null && existingRegistryTable == null) {
      throw new SettingsException("context existingRegistryTableKeyArn: set without existingRegistryTable");
    }
    if (sandboxAwsAccess && sandboxAwsPolicyFile == null) {
      throw new SettingsException("context sandboxAwsPolicyFile: not set (expected: a JSON IAM policy file while"
          + " sandboxAwsAccess=true; there is no default that allows everything)");
    }
    if (databaseMinCapacity > databaseMaxCapacity) {
      throw new SettingsException("context databaseMinCapacity: " + databaseMinCapacity
          + " (expected: <= databaseMaxCapacity, " + databaseMaxCapacity + ")");
    }
    if (gatewayMinTasks > gatewayMaxTasks) {
      throw new SettingsException("context gatewayMinTasks: " + gatewayMinTasks
          + " (expected: <= gatewayMaxTasks, " + gatewayMaxTasks + ")");
    }
  }

  /** A Fargate size: {@code {prefix}Cpu} one of Fargate's CPU units, {@code {prefix}Memory} one it accepts with it. */
  private static void checkFargateSize(String prefix, int cpu, int memoryMiB) {
    int[] memory = FARGATE_MEMORY.get(cpu);
    if (memory == null) {
      throw new SettingsException("context " + prefix + "Cpu: " + cpu + " (expected: 256, 512, 1024, 2048 or 4096)");
    }
    if (Arrays.stream(memory).noneMatch(m -> m == memoryMiB)) {
      throw new SettingsException("context " + prefix + "Memory: " + memoryMiB + " (expected with " + prefix + "Cpu "
          + cpu + ": one of " + Arrays.toString(memory) + ")");
    }
  }

  /** Reads and checks every parameter; {@code environment} supplies the CDK CLI's default account and region. */
  public static DeploymentSettings read(Function<String, Object> context, Map<String, String> environment) {
    Reader in = new Reader(context);
    return new DeploymentSettings(
        in.text("account", ACCOUNT, "a 12-digit AWS account id", environment.get("CDK_DEFAULT_ACCOUNT")),
        in.text("region", REGION, "an AWS region such as eu-west-1", environment.get("CDK_DEFAULT_REGION")),
        in.text("vpcId", VPC_ID, "a VPC id such as vpc-0123456789abcdef0", null),
        in.text("hostedZoneId", ZONE_ID, "a Route 53 zone id such as Z0123456789ABCDEFGHIJ", null),
        in.text("domainName", HOST, "the hosted zone's lower-case domain such as example.com", null),
        in.text("subDomain", LABEL, "one lower-case DNS label such as openhands", null),
        in.text("siteName", NAME, "a lower-case name of up to 20 letters, digits or dashes", "openhands"),
        in.hosts("authCallbackDomains"),
        in.text("authDomainPrefixSuffix", LABEL, "a lower-case DNS label that makes the Cognito domain unique", null),
        in.text("edgeStackSuffix", SUFFIX, "up to 20 letters, digits or dashes", ""),
        in.bool("skipS3Endpoint", false),
        in.integer("gatewayCpu", 512, 256, 4096),
        in.integer("gatewayMemory", 1024, 512, 30720),
        in.integer("gatewayMinTasks", 2, 1, 100),
        in.integer("gatewayMaxTasks", 10, 1, 100),
        in.choice("runtimeAuth", Set.of("owner", "none"), "owner"),
        in.text("appImage", IMAGE, "a container image such as " + DEFAULT_APP_IMAGE, DEFAULT_APP_IMAGE),
        in.integer("appCpu", 1024, 256, 4096),
        in.integer("appMemory", 2048, 512, 30720),
        in.optional("appUserAuthClass", PYTHON_CLASS, "a Python class such as package.module.CognitoUserAuth"),
        in.optional("sandboxSecurityGroupId", SG_ID, "a security group id such as sg-0123456789abcdef0"),
        in.optional("alarmEmail", EMAIL, "an e-mail address"),
        in.bool("originSecretRotating", false),
        in.text("authOutputsFile", null, "a file name", "auth-outputs.json"),
        in.integer("wafRateLimit", 20_000, 100, 2_000_000_000),
        in.text("sandboxImage", IMAGE, "a container image such as " + DEFAULT_SANDBOX_IMAGE, DEFAULT_SANDBOX_IMAGE),
        in.integer("sandboxCpu", 2048, 256, 4096),
        in.integer("sandboxMemory", 4096, 512, 30720),
        in.bool("sandboxBedrockAccess", true),
        in.bool("sandboxAwsAccess", false),
        in.optional("sandboxAwsPolicyFile", POLICY_FILE, "a path to a JSON IAM policy file"),
        in.capacity("databaseMinCapacity", 0.5, 0),
        in.capacity("databaseMaxCapacity", 4, 1),
        in.optional("existingRegistryTable", TABLE_NAME, "a DynamoDB table name such as openhands-sandbox-registry"),
        in.optional("existingRegistryTableKeyArn", KEY_ARN, "a KMS key ARN"),
        in.optional("existingWorkspaceFileSystemId", FILE_SYSTEM_ID, "an EFS id such as fs-0123456789abcdef0"),
        in.optional("existingWorkspaceSecurityGroupId", SG_ID, "a security group id such as sg-0123456789abcdef0"),
        in.optional("existingDataBucket", BUCKET_NAME, "an S3 bucket name"),
        in.optional("databaseSnapshot", SNAPSHOT, "an Aurora cluster snapshot identifier or ARN"),
        in.bool("userConfigSnapStart", true));
  }

  /** The app's host, e.g. {@code openhands.example.com}; runtime hosts are below {@link #runtimeDomain()}. */
  public String mainHost() {
    return subDomain + "." + domainName;
  }

  /** {@code runtime.openhands.example.com}: runtime hosts are {@code {port}-{convId}.runtime.…}. */
  public String runtimeDomain() {
    return "runtime." + mainHost();
  }

  /** The name CloudFront uses to reach the load balancer: a Route 53 alias in the same zone. */
  public String originHost() {
    return "origin." + mainHost();
  }

  /** The Cognito hosted domain prefix, e.g. {@code openhands-acme}. */
  public String cognitoDomainPrefix() {
    return siteName + "-" + authDomainPrefixSuffix;
  }

  /** The DynamoDB sandbox registry table's name (fixed, so the orchestrator and IAM can name it). */
  public String registryTableName() {
    return siteName + "-sandboxes";
  }

  /** {@code APP_UPSTREAM} for the gateway: the app service's Cloud Map name. */
  public String appUpstream() {
    return "http://" + AppService.CLOUD_MAP_NAME + "." + ClusterStack.NAMESPACE + ":" + APP_PORT;
  }

  /** Hosts whose {@code https://{host}/_callback} and {@code https://{host}/} Cognito accepts. */
  public List<String> signInHosts() {
    List<String> hosts = new ArrayList<>();
    hosts.add(mainHost());
    authCallbackDomains.stream().filter(h -> !hosts.contains(h)).forEach(hosts::add);
    return hosts;
  }

  /** Reads one context key at a time; each failure names the key. */
  private static final class Reader {
    private final Function<String, Object> context;

    Reader(Function<String, Object> context) {
      this.context = context;
    }

    private String raw(String key) {
      Object value = context.apply(key);
      if (value == null) {
        return null;
      }
      String text = String.valueOf(value).trim();
      return text.isEmpty() ? null : text;
    }

    String text(String key, Pattern pattern, String expected, String fallback) {
      String value = raw(key);
      if (value == null) {
        value = fallback;
      }
      if (value == null) {
        throw new SettingsException("context " + key + ": not set (expected: " + expected + "; pass -c " + key
            + "=...)");
      }
      if (pattern != null && !pattern.matcher(value).matches()) {
        throw new SettingsException("context " + key + ": '" + value + "' (expected: " + expected + ")");
      }
      return value;
    }

    String optional(String key, Pattern pattern, String expected) {
      return raw(key) == null ? null : text(key, pattern, expected, null);
    }

    String choice(String key, Set<String> allowed, String fallback) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      String lower = value.toLowerCase(Locale.ROOT);
      if (!allowed.contains(lower)) {
        throw new SettingsException("context " + key + ": '" + value + "' (expected: one of "
            + allowed.stream().sorted().toList() + ")");
      }
      return lower;
    }

    boolean bool(String key, boolean fallback) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new SettingsException("context " + key + ": '" + value + "' (expected: true or false)");
      };
    }

    int integer(String key, int fallback, int min, int max) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      try {
        int number = Integer.parseInt(value);
        if (number >= min && number <= max) {
          return number;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new SettingsException("context " + key + ": '" + value + "' (expected: a whole number from " + min
          + " to " + max + ")");
    }

    /** Aurora Serverless v2 capacity: ACUs in steps of 0.5, from {@code min} to 256. */
    double capacity(String key, double fallback, double min) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      try {
        double acus = Double.parseDouble(value);
        if (acus >= min && acus <= 256 && acus * 2 == Math.rint(acus * 2)) {
          return acus;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new SettingsException("context " + key + ": '" + value + "' (expected: Aurora capacity units from " + min
          + " to 256 in steps of 0.5)");
    }

    /** A JSON list or a comma-separated string of host names. */
    List<String> hosts(String key) {
      Object value = context.apply(key);
      List<String> items = new ArrayList<>();
      if (value instanceof List<?> list) {
        list.forEach(item -> items.add(String.valueOf(item).trim()));
      } else if (value != null) {
        String text = String.valueOf(value).trim();
        if (text.startsWith("[")) {
          try {
            new ObjectMapper().readValue(text, new TypeReference<List<String>>() {})
                .forEach(item -> items.add(item.trim()));
          } catch (JsonProcessingException e) {
            throw new SettingsException("context " + key + ": '" + text
                + "' (expected: a JSON list of host names, or host names separated by commas)");
          }
        } else {
          for (String part : text.split(",")) {
            if (!part.isBlank()) {
              items.add(part.trim());
            }
          }
        }
      }
      for (String host : items) {
        if (!HOST.matcher(host).matches()) {
          throw new SettingsException("context " + key + ": '" + host
              + "' (expected: lower-case host names separated by commas)");
        }
      }
      return items;
    }
  }
}
