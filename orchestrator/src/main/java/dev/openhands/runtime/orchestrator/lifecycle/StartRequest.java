package dev.openhands.runtime.orchestrator.lifecycle;

import java.util.Map;

/**
 * What {@code POST /start} asks for.
 *
 * @param conversationId the conversation (the app's {@code session_id})
 * @param image the sandbox spec the app asked for, recorded as {@code sandbox_spec_id} and echoed (ECS cannot
 *     override a container's image: the task definition's runs), or {@code null}
 * @param environment the start environment
 * @param userId the owner when the request names one ({@code environment.USER_ID} or {@code user_id}), else
 *     {@code null}
 */
public record StartRequest(String conversationId, String image, Map<String, String> environment, String userId) {

  public StartRequest {
    environment = Map.copyOf(environment);
  }
}
