package dev.openhands.runtime.orchestrator.lifecycle;

import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import io.vertx.core.Future;

/** What a conversation keeps outside its sandbox: its workspace files and its history objects. */
public interface ConversationData {

  /** Removes the conversation's workspace (archive and delete); succeeds when there is none. */
  Future<Void> removeWorkspace(String conversationId);

  /** Removes the conversation's history objects (delete only); succeeds when there are none. */
  Future<Void> removeHistory(SandboxItem item);

  /** Keeps everything: nothing is configured to remove. */
  ConversationData NONE = new ConversationData() {
    @Override
    public Future<Void> removeWorkspace(String conversationId) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> removeHistory(SandboxItem item) {
      return Future.succeededFuture();
    }
  };
}
