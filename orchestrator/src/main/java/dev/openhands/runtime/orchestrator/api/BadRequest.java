package dev.openhands.runtime.orchestrator.api;

/** A request the API refuses with 400; the message says what is wrong, in words safe to show. */
final class BadRequest extends RuntimeException {

  BadRequest(String message) {
    super(message, null, false, false);
  }
}
