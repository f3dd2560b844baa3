package dev.openhands.runtime.common.config;

/**
 * A configuration value that a service cannot start with. The message is one line that names the
 * variable, shows the value (never for secrets) and says what was expected, for example
 * {@code SANDBOX_MAX_CONNECTIONS: 0 (expected: > 0)}.
 */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
