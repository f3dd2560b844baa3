package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cognito.AccountRecovery;
import software.amazon.awscdk.services.cognito.AuthFlow;
import software.amazon.awscdk.services.cognito.AutoVerifiedAttrs;
import software.amazon.awscdk.services.cognito.CognitoDomainOptions;
import software.amazon.awscdk.services.cognito.Mfa;
import software.amazon.awscdk.services.cognito.MfaSecondFactor;
import software.amazon.awscdk.services.cognito.OAuthFlows;
import software.amazon.awscdk.services.cognito.OAuthScope;
import software.amazon.awscdk.services.cognito.OAuthSettings;
import software.amazon.awscdk.services.cognito.PasswordPolicy;
import software.amazon.awscdk.services.cognito.SignInAliases;
import software.amazon.awscdk.services.cognito.StandardAttribute;
import software.amazon.awscdk.services.cognito.StandardAttributes;
import software.amazon.awscdk.services.cognito.UserPool;
import software.amazon.awscdk.services.cognito.UserPoolClient;
import software.amazon.awscdk.services.cognito.UserPoolClientIdentityProvider;
import software.amazon.awscdk.services.cognito.UserPoolClientOptions;
import software.amazon.awscdk.services.cognito.UserPoolDomain;
import software.constructs.Construct;

/**
 * Sign-in (us-east-1, beside the edge function): a Cognito user pool of admin-created users who sign in with
 * their e-mail, and one <em>public</em> app client (authorization code + PKCE, no secret: a secret baked into
 * Lambda@Edge would be readable by anyone allowed {@code lambda:GetFunction}).
 */
public final class AuthStack extends Stack {

  public static final String ID = "OpenHands-Auth";
  public static final String USER_POOL_ID_OUTPUT = "UserPoolId";
  public static final String CLIENT_ID_OUTPUT = "UserPoolClientId";

  private final UserPool userPool;
  private final UserPoolClient client;

  public AuthStack(Construct scope, StackProps props, DeploymentSettings settings) {
    super(scope, ID, props);
    userPool = UserPool.Builder.create(this, "Users")
        .selfSignUpEnabled(false)
        .signInAliases(SignInAliases.builder().email(true).build())
        .autoVerify(AutoVerifiedAttrs.builder().email(true).build())
        .standardAttributes(StandardAttributes.builder()
            .email(StandardAttribute.builder().required(true).mutable(true).build()).build())
        .passwordPolicy(PasswordPolicy.builder().minLength(12).requireLowercase(true).requireUppercase(true)
            .requireDigits(true).requireSymbols(true).tempPasswordValidity(Duration.days(3)).build())
        .mfa(Mfa.OPTIONAL)
        .mfaSecondFactor(MfaSecondFactor.builder().otp(true).sms(false).build())
        .accountRecovery(AccountRecovery.EMAIL_ONLY)
        .deletionProtection(true)
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();
    Nag.suppress(userPool, "AwsSolutions-COG2",
        "MFA is optional by design: users enrol a TOTP app themselves; teams that require it switch Mfa to REQUIRED.");
    Nag.suppress(userPool, "AwsSolutions-COG3",
        "Threat protection needs the Cognito Plus feature plan; it is a cost decision left to the operator.");

    List<String> hosts = settings.signInHosts();
    client = userPool.addClient("EdgeSignIn", UserPoolClientOptions.builder()
        .generateSecret(false)
        .authFlows(AuthFlow.builder().build())
        .oAuth(OAuthSettings.builder()
            .flows(OAuthFlows.builder().authorizationCodeGrant(true).build())
            .scopes(List.of(OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE))
            .callbackUrls(hosts.stream().map(h -> "https://" + h + "/_callback").toList())
            .logoutUrls(hosts.stream().map(h -> "https://" + h + "/").toList())
            .build())
        .supportedIdentityProviders(List.of(UserPoolClientIdentityProvider.COGNITO))
        .accessTokenValidity(Duration.hours(1))
        .idTokenValidity(Duration.days(1))
        .refreshTokenValidity(Duration.days(30))
        .enableTokenRevocation(true)
        .preventUserExistenceErrors(true)
        .build());
    UserPoolDomain.Builder.create(this, "HostedUi").userPool(userPool)
        .cognitoDomain(CognitoDomainOptions.builder().domainPrefix(settings.cognitoDomainPrefix()).build())
        .build();

    CfnOutput.Builder.create(this, USER_POOL_ID_OUTPUT).value(userPool.getUserPoolId()).build();
    CfnOutput.Builder.create(this, CLIENT_ID_OUTPUT).value(client.getUserPoolClientId()).build();
    CfnOutput.Builder.create(this, "HostedUiUrl").value(cognitoDomainUrl(settings)).build();
  }

  /** The hosted UI's base URL, known before deploy because the prefix is a parameter. */
  public static String cognitoDomainUrl(DeploymentSettings settings) {
    return "https://" + settings.cognitoDomainPrefix() + ".auth." + DeploymentSettings.EDGE_REGION
        + ".amazoncognito.com";
  }

  public UserPool userPool() {
    return userPool;
  }

  public UserPoolClient client() {
    return client;
  }
}
