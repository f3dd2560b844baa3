package dev.openhands.runtime.gateway.registry;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;

/** Builds the DynamoDB client the registry uses. */
public final class DynamoClients {

  private static final Region LOCAL_REGION = Region.US_EAST_1;

  private DynamoClients() {}

  /**
   * A client with the registry timeout as its per-call limit. With an endpoint on a loopback address
   * (DynamoDB Local), credentials are a fixed local pair, since DynamoDB Local accepts any; otherwise
   * they come from the SDK's default chain (the ECS task role in production).
   */
  public static DynamoDbAsyncClient create(GatewayConfig config) {
    DynamoDbAsyncClientBuilder builder = DynamoDbAsyncClient.builder()
        .httpClientBuilder(NettyNioAsyncHttpClient.builder()
            .eventLoopGroupBuilder(SdkEventLoopGroup.builder().numberOfThreads(1))
            .connectionTimeout(config.registryTimeout())
            .maxConcurrency(64))
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .apiCallTimeout(config.registryTimeout())
            .build());
    URI endpoint = config.dynamoDbEndpoint();
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    if (config.awsRegion() != null) {
      builder.region(Region.of(config.awsRegion()));
    } else if (endpoint != null) {
      builder.region(LOCAL_REGION);
    }
    builder.credentialsProvider(credentials(endpoint));
    return builder.build();
  }

  private static AwsCredentialsProvider credentials(URI endpoint) {
    if (endpoint != null && isLoopback(endpoint.getHost())) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
