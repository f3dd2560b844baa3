package dev.openhands.runtime.deploy;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/** A key the deployment generates (48 letters and digits) and rotates by hand, as its reader accepts two values. */
final class GeneratedSecret {

  private GeneratedSecret() {}

  /**
   * @param rotation how an operator rotates it: the reason cdk-nag's automatic-rotation rule is suppressed
   */
  static Secret create(Construct scope, String id, String name, String description, String rotation) {
    Secret secret = Secret.Builder.create(scope, id).secretName(name).description(description)
        .generateSecretString(SecretStringGenerator.builder()
            .passwordLength(48).excludePunctuation(true).includeSpace(false).build())
        .removalPolicy(RemovalPolicy.DESTROY)
        .build();
    Nag.suppress(secret, "AwsSolutions-SMG4", rotation);
    return secret;
  }
}
