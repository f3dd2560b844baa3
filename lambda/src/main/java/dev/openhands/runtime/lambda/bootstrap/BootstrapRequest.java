package dev.openhands.runtime.lambda.bootstrap;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The custom resource's properties, as the Database stack writes them, checked before anything connects: a
 * missing or malformed one fails the deployment with a message naming it.
 *
 * @param host the cluster's writer endpoint
 * @param port its port
 * @param database the app's database
 * @param iamUser the role for IAM-authenticated direct connections (granted Aurora's {@code rds_iam})
 * @param proxyUser the password role RDS Proxy signs in as; its password is the proxy secret's
 * @param adminSecretArn the cluster's generated admin secret ({@code {"username", "password", ...}})
 * @param proxySecretArn the proxy user's generated secret
 * @param sslMode the JDBC {@code sslmode}: {@code require} or {@code verify-full} in AWS
 */
public record BootstrapRequest(String host, int port, String database, String iamUser, String proxyUser,
    String adminSecretArn, String proxySecretArn, String sslMode) {

  /** A PostgreSQL identifier that needs no quoting rules beyond double quotes (at most 63 bytes). */
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}");
  private static final Set<String> SSL_MODES = Set.of("disable", "require", "verify-ca", "verify-full");

  public static BootstrapRequest from(Map<String, ?> properties) {
    return new BootstrapRequest(
        matching(properties, "host", HOST),
        port(properties),
        matching(properties, "database", IDENTIFIER),
        matching(properties, "iamDatabaseUser", IDENTIFIER),
        matching(properties, "proxyDatabaseUser", IDENTIFIER),
        text(properties, "adminSecretArn"),
        text(properties, "proxySecretArn"),
        sslMode(properties));
  }

  /** {@code jdbc:postgresql://host:port/database} with the SSL mode and a bounded connect time. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?sslmode=" + sslMode
        + "&connectTimeout=10&socketTimeout=60&ApplicationName=openhands-db-bootstrap";
  }

  private static String text(Map<String, ?> properties, String key) {
    Object value = properties.get(key);
    if (value == null || String.valueOf(value).isBlank()) {
      throw new IllegalArgumentException("property " + key + ": not set");
    }
    return String.valueOf(value).trim();
  }

  private static String matching(Map<String, ?> properties, String key, Pattern pattern) {
    String value = text(properties, key);
    if (!pattern.matcher(value).matches()) {
      throw new IllegalArgumentException("property " + key + ": '" + value + "' (expected: " + pattern + ")");
    }
    return value;
  }

  private static int port(Map<String, ?> properties) {
    String value = text(properties, "port");
    try {
      int port = Integer.parseInt(value);
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("property port: '" + value + "' (expected: 1 to 65535)");
  }

  private static String sslMode(Map<String, ?> properties) {
    Object value = properties.get("sslMode");
    String mode = value == null ? "verify-full" : String.valueOf(value).trim();
    if (!SSL_MODES.contains(mode)) {
      throw new IllegalArgumentException("property sslMode: '" + mode + "' (expected: one of " + SSL_MODES + ")");
    }
    return mode;
  }
}
