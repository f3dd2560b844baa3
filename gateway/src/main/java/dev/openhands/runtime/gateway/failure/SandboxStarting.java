package dev.openhands.runtime.gateway.failure;

/**
 * The gateway's answer while a sandbox is on its way (rows 20 and 21): 503 with {@code Retry-After: 2} and
 * {@code X-Runtime-Status: starting}; for a navigation, the page that reloads itself once the sandbox answers.
 */
public final class SandboxStarting extends GatewayFailure {

  public static final String STATUS_HEADER = "X-Runtime-Status";
  public static final int RETRY_AFTER_SECONDS = 2;

  private final long waitedSeconds;

  /**
   * @param detail what is happening, for the page ("the sandbox is starting")
   * @param waitedSeconds how long this wake has been under way, or -1 when unknown
   */
  public SandboxStarting(String detail, long waitedSeconds) {
    super(503, detail, RETRY_AFTER_SECONDS);
    this.waitedSeconds = waitedSeconds;
  }

  public long waitedSeconds() {
    return waitedSeconds;
  }
}
