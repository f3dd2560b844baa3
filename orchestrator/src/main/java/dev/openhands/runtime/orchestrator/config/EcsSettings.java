package dev.openhands.runtime.orchestrator.config;

import java.net.URI;
import java.util.List;

/**
 * Where the {@code ecs} provider runs sandboxes.
 *
 * @param cluster the ECS cluster (name or ARN)
 * @param taskFamily the sandbox task definition's family; a revision of it is registered per conversation
 * @param subnets private subnets for the tasks (awsvpc, no public IP)
 * @param securityGroups the sandbox security groups
 * @param fileSystemId the workspace EFS file system; an access point is made per conversation
 * @param ecsEndpoint endpoint override for ECS (a stand-in on loopback in tests), or {@code null}
 * @param efsEndpoint endpoint override for EFS, or {@code null}
 */
public record EcsSettings(String cluster, String taskFamily, List<String> subnets, List<String> securityGroups,
    String fileSystemId, URI ecsEndpoint, URI efsEndpoint) {

  public EcsSettings {
    subnets = List.copyOf(subnets);
    securityGroups = List.copyOf(securityGroups);
  }
}
