package dev.openhands.runtime.orchestrator.provider;

import java.util.Map;

/**
 * One task to run for a conversation.
 *
 * @param conversationId the conversation
 * @param generation the item's generation that this launch belongs to (an idempotency token with the id)
 * @param resources what {@link SandboxProvider#prepare} made for it
 * @param environment the container's environment: the start environment plus {@code CONVERSATION_ID},
 *     {@code USER_ID} (when known) and {@code OH_SESSION_API_KEYS_0}
 * @param userId the owner, or {@code null} while pending (a tag only)
 */
public record Launch(String conversationId, long generation, Resources resources, Map<String, String> environment,
    String userId) {

  public Launch {
    environment = Map.copyOf(environment);
  }

  /** A token that is the same for every retry of this launch and different for every other. */
  public String idempotencyToken() {
    return conversationId + "-" + generation;
  }
}
