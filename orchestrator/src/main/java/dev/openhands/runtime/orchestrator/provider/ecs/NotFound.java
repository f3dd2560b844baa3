package dev.openhands.runtime.orchestrator.provider.ecs;

import dev.openhands.runtime.orchestrator.aws.AwsFutures;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.efs.model.AccessPointNotFoundException;

/** Whether an ECS or EFS error says that the thing to stop or release is already gone (which counts as done). */
final class NotFound {

  private NotFound() {}

  static boolean is(Throwable err) {
    Throwable cause = AwsFutures.unwrap(err);
    if (cause instanceof AccessPointNotFoundException) {
      return true;
    }
    if (cause instanceof AwsServiceException aws && aws.statusCode() == 400) {
      String message = String.valueOf(aws.awsErrorDetails() == null ? aws.getMessage()
          : aws.awsErrorDetails().errorMessage()).toLowerCase(Locale.ROOT);
      return message.contains("not found") || message.contains("inactive") || message.contains("does not exist");
    }
    return false;
  }
}
