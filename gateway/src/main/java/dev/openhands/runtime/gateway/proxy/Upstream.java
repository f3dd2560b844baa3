package dev.openhands.runtime.gateway.proxy;

/**
 * Where one request goes.
 *
 * @param ip address to connect to (a sandbox's task IP, or the app's host)
 * @param port port to connect to
 * @param uri path and query to send
 * @param sandbox whether this is a sandbox (security headers, cookie stripping) rather than the app
 */
public record Upstream(String ip, int port, String uri, boolean sandbox) {}
