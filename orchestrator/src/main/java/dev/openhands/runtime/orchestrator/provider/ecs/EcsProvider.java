package dev.openhands.runtime.orchestrator.provider.ecs;

import dev.openhands.runtime.orchestrator.aws.AwsFutures;
import dev.openhands.runtime.orchestrator.config.EcsSettings;
import dev.openhands.runtime.orchestrator.provider.Launch;
import dev.openhands.runtime.orchestrator.provider.Resources;
import dev.openhands.runtime.orchestrator.provider.SandboxProvider;
import dev.openhands.runtime.orchestrator.provider.TaskState;
import dev.openhands.runtime.orchestrator.provider.TaskSummary;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.EcsAsyncClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;
import software.amazon.awssdk.services.efs.EfsAsyncClient;

/**
 * Sandboxes as ECS Fargate tasks: per conversation an EFS access point ({@code /sandbox-workspace/{convId}}, POSIX
 * user 1000) and a revision of the sandbox family whose {@code workspace} volume uses it ({@link WorkspaceVolumes}),
 * then {@code RunTask} in the sandbox subnets without a public IP, with the environment as container overrides and
 * {@code conversation_id}/{@code user_id} tags. Everything is released on every way out. Calls are idempotent where
 * ECS and EFS allow it (client tokens of conversation and generation), and "not found" counts as done.
 */
public final class EcsProvider implements SandboxProvider {

  /** Tag naming the conversation on tasks, revisions and access points. */
  public static final String CONVERSATION_TAG = "conversation_id";
  public static final String USER_TAG = "user_id";
  public static final String MANAGED_BY_TAG = "ManagedBy";
  public static final String MANAGED_BY = "openhands-orchestrator";
  /** ECS's {@code startedBy}, so that the family's tasks we run can be told from others. */
  public static final String STARTED_BY = "openhands-orchestrator";
  private static final int DESCRIBE_CHUNK = 100;

  private final EcsAsyncClient ecs;
  private final EcsSettings settings;
  private final Context context;
  private final WorkspaceVolumes volumes;

  public EcsProvider(EcsAsyncClient ecs, EfsAsyncClient efs, EcsSettings settings, Context context) {
    this.ecs = ecs;
    this.settings = settings;
    this.context = context;
    this.volumes = new WorkspaceVolumes(ecs, efs, settings, context);
  }

  @Override
  public Future<Resources> prepare(String conversationId, long generation) {
    return volumes.prepare(conversationId, generation);
  }

  @Override
  public Future<String> run(Launch launch) {
    List<KeyValuePair> environment = launch.environment().entrySet().stream()
        .map(e -> KeyValuePair.builder().name(e.getKey()).value(e.getValue()).build()).toList();
    List<Tag> tags = new ArrayList<>(List.of(tag(CONVERSATION_TAG, launch.conversationId()),
        tag(MANAGED_BY_TAG, MANAGED_BY)));
    if (launch.userId() != null) {
      tags.add(tag(USER_TAG, launch.userId()));
    }
    String taskDefinition = launch.resources().taskDefinitionArn() != null
        ? launch.resources().taskDefinitionArn() : settings.taskFamily();
    return volumes.containerName().compose(container -> call(() -> ecs.runTask(b -> b
        .cluster(settings.cluster())
        .taskDefinition(taskDefinition)
        .launchType(LaunchType.FARGATE)
        .count(1)
        .startedBy(STARTED_BY)
        .clientToken(launch.idempotencyToken())
        .enableExecuteCommand(false)
        .networkConfiguration(n -> n.awsvpcConfiguration(a -> a
            .subnets(settings.subnets())
            .securityGroups(settings.securityGroups())
            .assignPublicIp(AssignPublicIp.DISABLED)))
        .overrides(o -> o.containerOverrides(ContainerOverride.builder().name(container).environment(environment)
            .build()))
        .tags(tags))))
        .compose(response -> {
          if (!response.failures().isEmpty()) {
            var failure = response.failures().get(0);
            return Future.failedFuture("ECS RunTask refused: " + failure.reason()
                + (failure.detail() == null ? "" : " (" + failure.detail() + ")"));
          }
          if (response.tasks().isEmpty()) {
            return Future.failedFuture("ECS RunTask returned no task");
          }
          return Future.succeededFuture(response.tasks().get(0).taskArn());
        });
  }

  @Override
  public Future<Map<String, TaskState>> describe(List<String> taskArns) {
    List<Future<Map<String, TaskState>>> chunks = new ArrayList<>();
    for (int i = 0; i < taskArns.size(); i += DESCRIBE_CHUNK) {
      List<String> chunk = taskArns.subList(i, Math.min(taskArns.size(), i + DESCRIBE_CHUNK));
      chunks.add(call(() -> ecs.describeTasks(b -> b.cluster(settings.cluster()).tasks(chunk)))
          .map(response -> {
            Map<String, TaskState> states = new LinkedHashMap<>();
            chunk.forEach(arn -> states.put(arn, TaskState.gone("ECS does not know the task")));
            response.tasks().forEach(task -> states.put(task.taskArn(), TaskStates.of(task)));
            return states;
          }));
    }
    return Future.all(chunks).map(all -> {
      Map<String, TaskState> states = new LinkedHashMap<>();
      for (int i = 0; i < chunks.size(); i++) {
        states.putAll(all.<Map<String, TaskState>>resultAt(i));
      }
      return states;
    });
  }

  @Override
  public Future<Void> stop(String taskArn, String reason) {
    String why = reason.length() > 255 ? reason.substring(0, 255) : reason;
    return call(() -> ecs.stopTask(b -> b.cluster(settings.cluster()).task(taskArn).reason(why)))
        .<Void>mapEmpty()
        .recover(err -> NotFound.is(err) ? Future.succeededFuture() : Future.failedFuture(err));
  }

  @Override
  public Future<Void> release(Resources resources) {
    return volumes.release(resources);
  }

  @Override
  public Future<List<TaskSummary>> listTasks() {
    return taskArns(null, new ArrayList<>()).compose(arns -> {
      List<Future<List<TaskSummary>>> chunks = new ArrayList<>();
      for (int i = 0; i < arns.size(); i += DESCRIBE_CHUNK) {
        List<String> chunk = arns.subList(i, Math.min(arns.size(), i + DESCRIBE_CHUNK));
        chunks.add(call(() -> ecs.describeTasks(b -> b.cluster(settings.cluster()).tasks(chunk)
            .include(TaskField.TAGS))).map(response -> response.tasks().stream().map(EcsProvider::summary).toList()));
      }
      return Future.all(chunks).map(all -> {
        List<TaskSummary> tasks = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
          tasks.addAll(all.<List<TaskSummary>>resultAt(i));
        }
        return tasks;
      });
    });
  }

  private Future<List<String>> taskArns(String nextToken, List<String> arns) {
    return call(() -> ecs.listTasks(b -> b.cluster(settings.cluster()).family(settings.taskFamily())
        .nextToken(nextToken).maxResults(100))).compose(page -> {
          arns.addAll(page.taskArns());
          return page.nextToken() == null ? Future.succeededFuture(arns) : taskArns(page.nextToken(), arns);
        });
  }

  private static TaskSummary summary(Task task) {
    String conversation = task.tags().stream().filter(t -> CONVERSATION_TAG.equals(t.key())).map(Tag::value)
        .findFirst().orElse(null);
    return new TaskSummary(task.taskArn(), conversation, task.createdAt());
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  private <T> Future<T> call(java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> request) {
    return AwsFutures.on(context, request);
  }
}
