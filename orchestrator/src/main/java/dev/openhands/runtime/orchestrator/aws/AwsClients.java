package dev.openhands.runtime.orchestrator.aws;

import dev.openhands.runtime.common.aws.AwsEndpoints;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.awscore.client.builder.AwsAsyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * Builds the orchestrator's AWS clients (DynamoDB, ECS, EFS, S3) on one shared Netty HTTP client with one event
 * loop thread: the orchestrator's calls are few and small. Each call has {@link #CALL_TIMEOUT} as its limit.
 */
public final class AwsClients implements AutoCloseable {

  /** The longest one AWS call may take, retries included, before it fails. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final SdkAsyncHttpClient http = NettyNioAsyncHttpClient.builder()
      .eventLoopGroupBuilder(SdkEventLoopGroup.builder().numberOfThreads(1))
      .connectionTimeout(Duration.ofSeconds(3))
      .maxConcurrency(128)
      .build();
  private final String region;

  public AwsClients(String region) {
    this.region = region;
  }

  /** {@code builder} pointed at {@code endpoint} (or the service's own), on the shared HTTP client. */
  public <B extends AwsClientBuilder<B, C> & AwsAsyncClientBuilder<B, C>, C> C build(B builder, URI endpoint) {
    return build(builder, endpoint, CALL_TIMEOUT);
  }

  /** As {@link #build(AwsClientBuilder, URI)}, with {@code timeout} as each call's limit. */
  public <B extends AwsClientBuilder<B, C> & AwsAsyncClientBuilder<B, C>, C> C build(B builder, URI endpoint,
      Duration timeout) {
    return AwsEndpoints.configure(builder, region, endpoint)
        .httpClient(http)
        .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(timeout).build())
        .build();
  }

  @Override
  public void close() {
    http.close();
  }
}
