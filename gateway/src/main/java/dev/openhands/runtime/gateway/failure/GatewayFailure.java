package dev.openhands.runtime.gateway.failure;

/**
 * A request the gateway answers itself, with an HTTP status and a short detail that is safe to show to
 * the client. Thrown or used to fail a future by any step; {@link ErrorResponses} renders it.
 */
public class GatewayFailure extends RuntimeException {

  private final int status;
  private final int retryAfterSeconds;

  public GatewayFailure(int status, String detail) {
    this(status, detail, 0);
  }

  /** A failure worth retrying after {@code retryAfterSeconds} (0: the renderer's default for the status). */
  public GatewayFailure(int status, String detail, int retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public GatewayFailure(int status, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.status = status;
    this.retryAfterSeconds = 0;
  }

  /** Seconds the client should wait before retrying, or 0 for the renderer's default. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String detail() {
    return getMessage();
  }
}
