package dev.openhands.runtime.gateway.failure;

/**
 * A request the gateway answers itself, with an HTTP status and a short detail that is safe to show to
 * the client. Thrown or used to fail a future by any step; {@link ErrorResponses} renders it.
 */
public class GatewayFailure extends RuntimeException {

  private final int status;

  public GatewayFailure(int status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }

  public GatewayFailure(int status, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public String detail() {
    return getMessage();
  }
}
