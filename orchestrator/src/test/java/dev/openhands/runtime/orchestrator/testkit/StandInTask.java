package dev.openhands.runtime.orchestrator.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** One task of the {@link EcsStandIn}: what RunTask asked for, and where it is in its life. */
public final class StandInTask {

  public final String arn;
  public final String conversationId;
  public final String taskDefinition;
  public final Map<String, String> environment;
  public final JsonArray tags;
  public final String ip;
  volatile String lastStatus = "PROVISIONING";
  volatile String desiredStatus = "RUNNING";
  volatile String stoppedReason;
  volatile long createdAtMillis = System.currentTimeMillis();
  volatile String startedBy;
  private volatile AgentServerStandIn agent;

  StandInTask(String arn, String conversationId, String taskDefinition, Map<String, String> environment,
      JsonArray tags, String ip) {
    this.arn = arn;
    this.conversationId = conversationId;
    this.taskDefinition = taskDefinition;
    this.environment = Map.copyOf(environment);
    this.tags = tags;
    this.ip = ip;
  }

  public String lastStatus() {
    return lastStatus;
  }

  public String stoppedReason() {
    return stoppedReason;
  }

  public AgentServerStandIn agent() {
    return agent;
  }

  synchronized void run(Vertx vertx, int agentPort, AgentBehaviour behaviour) {
    if (!"RUNNING".equals(desiredStatus)) {
      return;
    }
    lastStatus = "RUNNING";
    AgentServerStandIn server = new AgentServerStandIn(vertx, environment.get("OH_SESSION_API_KEYS_0"), behaviour);
    agent = server;
    server.listen(ip, agentPort);
  }

  synchronized void stop(String reason) {
    if ("STOPPED".equals(lastStatus)) {
      return;
    }
    desiredStatus = "STOPPED";
    lastStatus = "STOPPED";
    stoppedReason = reason;
    closeAgent();
  }

  Future<Void> closeAgent() {
    AgentServerStandIn server = agent;
    agent = null;
    return server == null ? Future.succeededFuture() : server.close();
  }

  JsonObject json() {
    JsonObject task = new JsonObject()
        .put("taskArn", arn)
        .put("clusterArn", "arn:aws:ecs:us-east-1:123456789012:cluster/" + EcsStandIn.CLUSTER)
        .put("taskDefinitionArn", taskDefinition)
        .put("lastStatus", lastStatus)
        .put("desiredStatus", desiredStatus)
        .put("launchType", "FARGATE")
        .put("createdAt", createdAtMillis / 1000.0)
        .put("tags", tags == null ? new JsonArray() : tags);
    if (startedBy != null) {
      task.put("startedBy", startedBy);
    }
    if (stoppedReason != null) {
      task.put("stoppedReason", stoppedReason);
    }
    if (!"PROVISIONING".equals(lastStatus)) {
      task.put("attachments", new JsonArray().add(new JsonObject().put("type", "ElasticNetworkInterface")
          .put("status", "ATTACHED")
          .put("details", new JsonArray().add(new JsonObject().put("name", "privateIPv4Address").put("value", ip)))));
    }
    return task;
  }
}
