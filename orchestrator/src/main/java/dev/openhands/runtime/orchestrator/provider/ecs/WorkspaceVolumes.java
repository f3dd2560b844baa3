package dev.openhands.runtime.orchestrator.provider.ecs;

import dev.openhands.runtime.orchestrator.aws.AwsFutures;
import dev.openhands.runtime.orchestrator.config.EcsSettings;
import dev.openhands.runtime.orchestrator.provider.Resources;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import software.amazon.awssdk.services.ecs.EcsAsyncClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.EFSAuthorizationConfigIAM;
import software.amazon.awssdk.services.ecs.model.EFSTransitEncryption;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.Volume;
import software.amazon.awssdk.services.efs.EfsAsyncClient;
import software.amazon.awssdk.services.efs.model.LifeCycleState;

/**
 * A conversation's workspace on ECS: an EFS access point rooted at {@code /sandbox-workspace/{convId}} (POSIX user
 * and owner 1000, mode 0755, so that one sandbox can never see another's files), and a revision of the sandbox
 * family that is the family's latest with its {@code workspace} volume pointed at that access point (ECS cannot
 * override a volume at RunTask). Both are tagged with the conversation and removed by {@link #release}.
 */
final class WorkspaceVolumes {

  static final String VOLUME = "workspace";
  static final String ROOT = "/sandbox-workspace/";
  static final int POSIX_ID = 1000;
  private static final String AGENT_CONTAINER = "agent-server";
  private static final long BASE_TTL_NANOS = 60_000_000_000L;
  private static final int AVAILABLE_POLLS = 30;

  private final EcsAsyncClient ecs;
  private final EfsAsyncClient efs;
  private final EcsSettings settings;
  private final Context context;
  private Future<TaskDefinition> base;
  private long baseReadAt;

  WorkspaceVolumes(EcsAsyncClient ecs, EfsAsyncClient efs, EcsSettings settings, Context context) {
    this.ecs = ecs;
    this.efs = efs;
    this.settings = settings;
    this.context = context;
  }

  /** Makes the access point, waits until it is available, then registers the revision that mounts it. */
  Future<Resources> prepare(String conversationId, long generation) {
    String token = conversationId + "-" + generation;
    return call(() -> efs.createAccessPoint(b -> b
        .clientToken(token)
        .fileSystemId(settings.fileSystemId())
        .posixUser(u -> u.uid((long) POSIX_ID).gid((long) POSIX_ID))
        .rootDirectory(r -> r.path(ROOT + conversationId)
            .creationInfo(c -> c.ownerUid((long) POSIX_ID).ownerGid((long) POSIX_ID).permissions("0755")))
        .tags(software.amazon.awssdk.services.efs.model.Tag.builder().key(EcsProvider.CONVERSATION_TAG)
                .value(conversationId).build(),
            software.amazon.awssdk.services.efs.model.Tag.builder().key(EcsProvider.MANAGED_BY_TAG)
                .value(EcsProvider.MANAGED_BY).build())))
        .compose(created -> available(created.accessPointId(), created.lifeCycleState(), 0))
        .compose(accessPointId -> register(conversationId, accessPointId)
            .map(revision -> new Resources(accessPointId, revision))
            .recover(err -> deleteAccessPoint(accessPointId).transform(ignored -> Future.failedFuture(err))));
  }

  private Future<String> available(String accessPointId, LifeCycleState state, int polls) {
    if (state == LifeCycleState.AVAILABLE) {
      return Future.succeededFuture(accessPointId);
    }
    if (state == LifeCycleState.ERROR || state == LifeCycleState.DELETED || state == LifeCycleState.DELETING
        || polls >= AVAILABLE_POLLS) {
      return deleteAccessPoint(accessPointId).transform(ignored -> Future.failedFuture(
          "the workspace access point did not become available (" + state + ")"));
    }
    Promise<Void> later = Promise.promise();
    context.owner().setTimer(500, id -> later.complete());
    return later.future()
        .compose(v -> call(() -> efs.describeAccessPoints(b -> b.accessPointId(accessPointId))))
        .compose(described -> available(accessPointId, described.accessPoints().isEmpty()
            ? LifeCycleState.DELETED : described.accessPoints().get(0).lifeCycleState(), polls + 1));
  }

  private Future<String> register(String conversationId, String accessPointId) {
    return baseDefinition().compose(definition -> {
      if (definition.volumes().stream().noneMatch(v -> VOLUME.equals(v.name()))) {
        return Future.failedFuture("the task definition " + settings.taskFamily() + " has no '" + VOLUME + "' volume");
      }
      List<Volume> volumes = definition.volumes().stream()
          .map(v -> VOLUME.equals(v.name()) ? workspace(v, accessPointId) : v).toList();
      RegisterTaskDefinitionRequest request = RegisterTaskDefinitionRequest.builder()
          .family(definition.family())
          .taskRoleArn(definition.taskRoleArn())
          .executionRoleArn(definition.executionRoleArn())
          .networkMode(definition.networkMode())
          .containerDefinitions(definition.containerDefinitions())
          .volumes(volumes)
          .placementConstraints(definition.placementConstraints())
          .requiresCompatibilitiesWithStrings(definition.requiresCompatibilitiesAsStrings())
          .cpu(definition.cpu())
          .memory(definition.memory())
          .runtimePlatform(definition.runtimePlatform())
          .ephemeralStorage(definition.ephemeralStorage())
          .pidMode(definition.pidMode())
          .ipcMode(definition.ipcMode())
          .tags(software.amazon.awssdk.services.ecs.model.Tag.builder().key(EcsProvider.CONVERSATION_TAG)
                  .value(conversationId).build(),
              software.amazon.awssdk.services.ecs.model.Tag.builder().key(EcsProvider.MANAGED_BY_TAG)
                  .value(EcsProvider.MANAGED_BY).build())
          .build();
      return call(() -> ecs.registerTaskDefinition(request))
          .map(registered -> registered.taskDefinition().taskDefinitionArn());
    });
  }

  private Volume workspace(Volume volume, String accessPointId) {
    return volume.toBuilder().efsVolumeConfiguration(e -> e
        .fileSystemId(settings.fileSystemId())
        .rootDirectory("/")
        .transitEncryption(EFSTransitEncryption.ENABLED)
        .authorizationConfig(a -> a.accessPointId(accessPointId).iam(EFSAuthorizationConfigIAM.ENABLED))).build();
  }

  /** The name of the container that gets the environment: {@code agent-server}, else the first essential one. */
  Future<String> containerName() {
    return baseDefinition().map(definition -> definition.containerDefinitions().stream()
        .filter(c -> AGENT_CONTAINER.equals(c.name())).findFirst()
        .or(() -> definition.containerDefinitions().stream().filter(c -> !Boolean.FALSE.equals(c.essential()))
            .findFirst())
        .map(ContainerDefinition::name)
        .orElse(AGENT_CONTAINER));
  }

  /** The family's latest revision, read at most once a minute (a failed read is not kept). */
  private Future<TaskDefinition> baseDefinition() {
    long now = System.nanoTime();
    if (base == null || now - baseReadAt > BASE_TTL_NANOS || base.failed()) {
      baseReadAt = now;
      base = call(() -> ecs.describeTaskDefinition(b -> b.taskDefinition(settings.taskFamily())))
          .map(described -> described.taskDefinition());
    }
    return base;
  }

  Future<Void> release(Resources resources) {
    Future<Void> revision = resources.taskDefinitionArn() == null ? Future.succeededFuture()
        : call(() -> ecs.deregisterTaskDefinition(b -> b.taskDefinition(resources.taskDefinitionArn())))
            .<Void>mapEmpty()
            .recover(err -> NotFound.is(err) ? Future.succeededFuture() : Future.failedFuture(err));
    return revision.compose(v -> resources.accessPointId() == null ? Future.succeededFuture()
        : deleteAccessPoint(resources.accessPointId()));
  }

  private Future<Void> deleteAccessPoint(String accessPointId) {
    return call(() -> efs.deleteAccessPoint(b -> b.accessPointId(accessPointId)))
        .<Void>mapEmpty()
        .recover(err -> NotFound.is(err) ? Future.succeededFuture() : Future.failedFuture(err));
  }

  private <T> Future<T> call(java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> request) {
    return AwsFutures.on(context, request);
  }
}
