package dev.openhands.runtime.gateway.proxy;

/**
 * The upstream could not be reached: nothing was sent, so the request may be retried elsewhere
 * (behaviour table rows 8 and 9).
 */
public final class UpstreamConnectFailed extends RuntimeException {

  public UpstreamConnectFailed(String target, Throwable cause) {
    super("cannot connect to " + target + ": " + cause.getMessage(), cause, false, false);
  }
}
