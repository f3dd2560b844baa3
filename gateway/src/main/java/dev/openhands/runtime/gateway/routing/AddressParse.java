package dev.openhands.runtime.gateway.routing;

/** What the host and path of a request say about where it goes. */
public sealed interface AddressParse {

  /** Not a runtime address: the request belongs to the app (or to the gateway itself). */
  record NotRuntime() implements AddressParse {}

  /** A well-formed runtime address. */
  record Runtime(RuntimeAddress address) implements AddressParse {}

  /** Looks like a runtime address but is not a valid one; {@code reason} is safe to show to the client. */
  record Malformed(String reason) implements AddressParse {}

  AddressParse NOT_RUNTIME = new NotRuntime();
}
