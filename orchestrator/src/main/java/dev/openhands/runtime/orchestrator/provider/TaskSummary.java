package dev.openhands.runtime.orchestrator.provider;

import java.time.Instant;

/**
 * A task of the sandbox family, for the orphan sweep.
 *
 * @param taskArn the provider's handle
 * @param conversationId its {@code conversation_id} tag, or {@code null} when it has none
 * @param createdAt when the provider created it
 */
public record TaskSummary(String taskArn, String conversationId, Instant createdAt) {}
