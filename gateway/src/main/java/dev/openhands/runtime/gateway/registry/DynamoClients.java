package dev.openhands.runtime.gateway.registry;

import dev.openhands.runtime.common.aws.AwsEndpoints;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/** Builds the DynamoDB client the registry uses. */
public final class DynamoClients {

  private DynamoClients() {}

  /**
   * A client with the registry timeout as its per-call limit, on one event-loop thread of its own, pointed at
   * the registry as {@link AwsEndpoints} says.
   */
  public static DynamoDbAsyncClient create(GatewayConfig config) {
    return AwsEndpoints.configure(DynamoDbAsyncClient.builder(), config.awsRegion(), config.dynamoDbEndpoint())
        .httpClientBuilder(NettyNioAsyncHttpClient.builder()
            .eventLoopGroupBuilder(SdkEventLoopGroup.builder().numberOfThreads(1))
            .connectionTimeout(config.registryTimeout())
            .maxConcurrency(64))
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .apiCallTimeout(config.registryTimeout())
            .build())
        .build();
  }
}
