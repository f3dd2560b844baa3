package dev.openhands.runtime.common.registry;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The sandbox registry table, the contract between the orchestrator (its writer) and the gateway (its reader):
 * attribute names, index names and the form of a conversation id. DESIGN.md's registry table is the reference;
 * nothing else in the code spells these names.
 */
public final class RegistrySchema {

  /** Partition key: the app's conversation id, 32 lowercase hex characters. */
  public static final String CONVERSATION_ID = "conversation_id";
  /** A {@link SandboxStatus} name. */
  public static final String STATUS = "status";
  /** The task's private IPv4 address (a loopback address in local mode). */
  public static final String TASK_IP = "task_ip";
  /** Cognito {@code sub} of the owner; absent while the owner is pending. */
  public static final String USER_ID = "user_id";
  /** True while the orchestrator has not learned the owner: nobody gets in. */
  public static final String OWNER_PENDING = "owner_pending";
  /** Per-port shares set by the owner (port as a string to {@code {level, users}}). */
  public static final String SHARES = "shares";
  /** Epoch seconds of the last use; the sort key of {@link #STATUS_INDEX}. */
  public static final String LAST_ACTIVITY_AT = "last_activity_at";
  /** Epoch seconds of the first start, kept across resumes; the sort key of {@link #USER_INDEX}. */
  public static final String CREATED_AT = "created_at";
  /** Incremented by every status transition; every transition is conditional on it. */
  public static final String GENERATION = "generation";
  /** Epoch seconds after which a {@code STARTING} item is failed. */
  public static final String STARTING_DEADLINE = "starting_deadline";
  public static final String TASK_ARN = "task_arn";
  public static final String ACCESS_POINT_ID = "access_point_id";
  public static final String TASK_DEFINITION_ARN = "task_definition_arn";
  public static final String AGENT_SERVER_PORT = "agent_server_port";
  public static final String SANDBOX_SPEC_ID = "sandbox_spec_id";
  /** The agent-server's key: for the app only, never readable by the gateway. */
  public static final String SESSION_API_KEY = "session_api_key";
  /** JSON of the first start's environment, for resume: for the orchestrator only. */
  public static final String START_ENVIRONMENT = "start_environment";
  /** True on an {@code ARCHIVED} item whose workspace is still to be removed (a crash cannot skip the removal). */
  public static final String WORKSPACE_REMOVAL_PENDING = "workspace_removal_pending";
  /** Why the sandbox is in {@code ERROR}, for the runtime object and operators. */
  public static final String STATUS_REASON = "status_reason";

  /** GSI on {@link #STATUS} and {@link #LAST_ACTIVITY_AT}: the reconciler's sweeps. */
  public static final String STATUS_INDEX = "status-index";
  /** GSI on {@link #USER_ID} and {@link #CREATED_AT}: a user's sandboxes (the owner's console). */
  public static final String USER_INDEX = "user_id-index";

  /**
   * The attributes the gateway may read, and the only ones its IAM policy lets it read: never
   * {@link #SESSION_API_KEY} or {@link #START_ENVIRONMENT}.
   */
  public static final List<String> GATEWAY_READABLE = List.of(CONVERSATION_ID, STATUS, TASK_IP, USER_ID,
      OWNER_PENDING, SHARES, LAST_ACTIVITY_AT, CREATED_AT);

  private static final Pattern CONVERSATION_ID_FORM = Pattern.compile("[0-9a-f]{32}");

  private RegistrySchema() {}

  /** Whether {@code id} is a conversation id: exactly 32 lowercase hex characters. */
  public static boolean isConversationId(String id) {
    return id != null && CONVERSATION_ID_FORM.matcher(id).matches();
  }

  /** A conversation id in the app's dashed UUID form: {@code 01234567-89ab-cdef-0123-456789abcdef}. */
  public static String dashed(String conversationId) {
    String hex = conversationId;
    return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
        + hex.substring(16, 20) + "-" + hex.substring(20);
  }

  /** Whether a stored {@link #USER_ID} means that nobody owns the sandbox: absent, empty or {@code anonymous}. */
  public static boolean isUnowned(String userId) {
    return userId == null || userId.isBlank() || userId.trim().equalsIgnoreCase("anonymous");
  }
}
