package dev.openhands.runtime.common.aws;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;

/**
 * Points an AWS SDK client at its service: the real one (region and credentials from the SDK's default chain,
 * the ECS task role in production), or a loopback endpoint (DynamoDB Local, the stand-ins the tests run), which
 * gets a fixed local credential pair and {@code us-east-1} unless a region is given.
 */
public final class AwsEndpoints {

  private static final Region LOCAL_REGION = Region.US_EAST_1;

  private AwsEndpoints() {}

  /**
   * Sets region, credentials and endpoint on {@code builder}.
   *
   * @param region the region name, or {@code null} for the SDK's default chain
   * @param endpoint an endpoint override, or {@code null} for the service's own
   */
  public static <B extends AwsClientBuilder<B, ?>> B configure(B builder, String region, URI endpoint) {
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    if (region != null) {
      builder.region(Region.of(region));
    } else if (endpoint != null) {
      builder.region(LOCAL_REGION);
    }
    return builder.credentialsProvider(credentials(endpoint));
  }

  private static AwsCredentialsProvider credentials(URI endpoint) {
    if (endpoint != null && isLoopback(endpoint.getHost())) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static boolean isLoopback(String host) {
    try {
      return host != null && InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
