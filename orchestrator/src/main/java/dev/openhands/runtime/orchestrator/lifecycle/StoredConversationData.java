package dev.openhands.runtime.orchestrator.lifecycle;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.orchestrator.aws.AwsFutures;
import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A conversation's workspace under {@code WORKSPACE_ROOT/{convId}} (the workspace file system, mounted), and its
 * history objects in {@code DATA_BUCKET} under {@link #historyPrefixes}. The workspace is removed without following
 * symbolic links: code in the sandbox wrote it, and a link to {@code /} must remove the link, not the target.
 */
public final class StoredConversationData implements ConversationData {

  /** An owner id fit to stand in an object key (a Cognito {@code sub}); anything else could widen the prefix. */
  private static final java.util.regex.Pattern SAFE_KEY_PART = java.util.regex.Pattern.compile("[A-Za-z0-9_@:.+-]{1,128}");

  private static final int PARALLEL_DELETES = 16;

  private final Vertx vertx;
  private final Context context;
  private final Path workspaceRoot;
  private final S3AsyncClient s3;
  private final String bucket;

  /**
   * @param workspaceRoot where the workspace file system is mounted, or {@code null} (nothing removed)
   * @param s3 the S3 client, or {@code null} when there is no bucket
   * @param bucket the app's bucket, or {@code null} (no history removed)
   */
  public StoredConversationData(Vertx vertx, Context context, Path workspaceRoot, S3AsyncClient s3, String bucket) {
    this.vertx = vertx;
    this.context = context;
    this.workspaceRoot = workspaceRoot;
    this.s3 = s3;
    this.bucket = bucket;
  }

  @Override
  public Future<Void> removeWorkspace(String conversationId) {
    if (workspaceRoot == null || !RegistrySchema.isConversationId(conversationId)) {
      return Future.succeededFuture();
    }
    Path workspace = workspaceRoot.resolve(conversationId);
    return vertx.executeBlocking(() -> {
      removeTree(workspace);
      return null;
    }, false);
  }

  /** Deletes {@code root} and everything under it; links are deleted, never followed. */
  static void removeTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  @Override
  public Future<Void> removeHistory(SandboxItem item) {
    if (s3 == null || bucket == null) {
      return Future.succeededFuture();
    }
    Future<Void> all = Future.succeededFuture();
    for (String prefix : historyPrefixes(item)) {
      all = all.compose(v -> deletePrefix(prefix, null));
    }
    return all;
  }

  /**
   * Where OpenHands keeps a conversation's files in its bucket, for the id in hex and in dashed form: V1 events
   * under {@code users/{user}/v1_conversations/{id}/} ({@code users/v1_conversations/{id}/} without a user), V0 under
   * {@code users/{user}/conversations/{id}/} or {@code sessions/{id}/}, and {@code conversations/{id}/}, which the
   * original's deletion function removed.
   */
  static List<String> historyPrefixes(SandboxItem item) {
    List<String> prefixes = new ArrayList<>();
    String owner = item.owner() != null && SAFE_KEY_PART.matcher(item.owner()).matches() ? item.owner() : null;
    for (String id : List.of(item.conversationId(), RegistrySchema.dashed(item.conversationId()))) {
      if (owner != null) {
        prefixes.add("users/" + owner + "/v1_conversations/" + id + "/");
        prefixes.add("users/" + owner + "/conversations/" + id + "/");
      }
      prefixes.add("users/v1_conversations/" + id + "/");
      prefixes.add("sessions/" + id + "/");
      prefixes.add("conversations/" + id + "/");
    }
    return prefixes;
  }

  /**
   * Deletes every object under {@code prefix}, a page at a time, up to {@link #PARALLEL_DELETES} at once. One
   * DeleteObject per key rather than DeleteObjects: every S3-compatible store has it, and it needs no request
   * checksum (which some of them refuse).
   */
  private Future<Void> deletePrefix(String prefix, String continuation) {
    return AwsFutures.on(context, () -> s3.listObjectsV2(b -> b.bucket(bucket).prefix(prefix)
        .continuationToken(continuation).maxKeys(1000))).compose(page -> {
          List<String> keys = page.contents().stream().map(S3Object::key).toList();
          return deleteKeys(keys, 0).compose(v -> Boolean.TRUE.equals(page.isTruncated())
              ? deletePrefix(prefix, page.nextContinuationToken()) : Future.succeededFuture());
        });
  }

  private Future<Void> deleteKeys(List<String> keys, int from) {
    if (from >= keys.size()) {
      return Future.succeededFuture();
    }
    List<Future<?>> batch = new ArrayList<>();
    for (String key : keys.subList(from, Math.min(keys.size(), from + PARALLEL_DELETES))) {
      batch.add(AwsFutures.on(context, () -> s3.deleteObject(b -> b.bucket(bucket).key(key))));
    }
    return Future.all(batch).compose(v -> deleteKeys(keys, from + PARALLEL_DELETES));
  }
}
