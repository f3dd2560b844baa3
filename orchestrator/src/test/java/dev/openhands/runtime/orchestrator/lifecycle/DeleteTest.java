package dev.openhands.runtime.orchestrator.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.LocalS3;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * {@code /delete} with a workspace file system and the app's bucket (a real S3-compatible server): the sandbox is
 * stopped, its workspace and its history objects removed, then its item; another conversation's files stay.
 */
@Timeout(120)
class DeleteTest {

  static final String BUCKET = "openhands-data";
  static final String ID = "de1e7e00000000000000000000000001";
  static final String OTHER = "de1e7e00000000000000000000000002";
  @TempDir
  static Path workspaces;
  static LocalS3 s3;
  static OrchestratorFixture fixture;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.start();
    s3.client().createBucket(b -> b.bucket(BUCKET)).join();
    fixture = OrchestratorFixture.start("deletes");
    Orchestrator orchestrator = fixture.orchestrator(Map.of("WORKSPACE_ROOT", workspaces.toString(),
        "DATA_BUCKET", BUCKET, "S3_ENDPOINT", s3.endpoint().toString()));
    api = fixture.client(orchestrator);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    s3.close();
  }

  static void put(String key) {
    s3.client().putObject(b -> b.bucket(BUCKET).key(key), AsyncRequestBody.fromString("{}")).join();
  }

  @Test
  void delete_removesWorkspaceHistoryAndItem_andNothingOfAnotherConversation() throws Exception {
    api.start(ID, new JsonObject().put("USER_ID", "sub-a"));
    Files.createDirectories(workspaces.resolve(ID).resolve("project"));
    Files.writeString(workspaces.resolve(ID).resolve("project/app.py"), "print(1)");
    Files.createDirectories(workspaces.resolve(OTHER));
    List<String> own = List.of("users/sub-a/conversations/" + ID + "/metadata.json",
        "users/sub-a/conversations/" + ID + "/events/0.json", "sessions/" + ID + "/events/1.json",
        "users/sub-a/v1_conversations/" + ID + "/e1.json", "conversations/" + RegistrySchema.dashed(ID) + "/x.json");
    List<String> others = List.of("users/sub-a/conversations/" + OTHER + "/metadata.json",
        "sessions/" + OTHER + "/events/1.json", "users/sub-a/settings.json",
        "users/sub-a/v1_conversations/" + OTHER + "/e1.json");
    own.forEach(DeleteTest::put);
    others.forEach(DeleteTest::put);

    ApiClient.Answer deleted = api.call("/delete", ID);
    assertEquals(new JsonObject().put("status", "deleted").put("session_id", ID), deleted.json());
    assertTrue(fixture.table().get(ID).isEmpty());
    assertTrue(fixture.ecs().running().stream().noneMatch(t -> ID.equals(t.conversationId)));
    assertFalse(Files.exists(workspaces.resolve(ID)));
    assertTrue(Files.exists(workspaces.resolve(OTHER)));
    List<String> left = s3.keys(BUCKET);
    assertTrue(left.containsAll(others), left.toString());
    assertTrue(own.stream().noneMatch(left::contains), left.toString());
    assertEquals(404, api.call("/delete", ID).status());
  }
}
