package dev.openhands.runtime.orchestrator.config;

/** How sandboxes run: one ECS Fargate task each, or one local process each on a loopback address. */
public enum ProviderKind {
  ECS,
  LOCAL
}
