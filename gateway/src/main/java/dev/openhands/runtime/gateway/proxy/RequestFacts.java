package dev.openhands.runtime.gateway.proxy;

/**
 * What the gateway established about an incoming request before forwarding it.
 *
 * @param requestId the id sent upstream as {@code X-Request-Id} and logged
 * @param originVerified whether the request carried a valid {@code X-Origin-Verify} header
 * @param peerAddress the address of the connection's peer (the ALB, in production)
 * @param scheme the scheme the request arrived with at the gateway
 * @param host the {@code Host} header as received
 */
public record RequestFacts(String requestId, boolean originVerified, String peerAddress, String scheme, String host) {}
