package dev.openhands.runtime.gateway.routing;

/**
 * A request's destination inside a sandbox.
 *
 * @param conversationId 32 lowercase hex characters
 * @param port the port of the app inside the sandbox, 1 to 65535
 * @param upstreamUri the path and query to send to the sandbox: unchanged for the host form, with the
 *     {@code /runtime/{convId}/{port}} prefix removed for the path form
 * @param hostForm whether the address came from a runtime host ({@code {port}-{convId}.runtime...}), the sandbox's
 *     own origin, rather than a {@code /runtime/...} path on the app's host
 */
public record RuntimeAddress(String conversationId, int port, String upstreamUri, boolean hostForm) {}
