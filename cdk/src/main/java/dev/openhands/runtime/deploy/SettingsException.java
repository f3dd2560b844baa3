package dev.openhands.runtime.deploy;

/** A missing or malformed context parameter; the message names it and says what was expected. */
public final class SettingsException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public SettingsException(String message) {
    super(message);
  }
}
