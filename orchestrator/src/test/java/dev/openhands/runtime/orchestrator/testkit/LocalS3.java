package dev.openhands.runtime.orchestrator.testkit;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A real S3-compatible server, S3Proxy with its in-memory store, as a child process on a free port of 127.0.0.1
 * (its jar is copied to {@code target/s3proxy/} by the build), and an S3 client for setting up and inspecting it.
 */
public final class LocalS3 implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path directory;
  private final S3AsyncClient client;

  private LocalS3(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
    this.client = S3AsyncClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  public static LocalS3 start() throws Exception {
    Path jar = Path.of("target/s3proxy/s3proxy.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the build copies it (process-test-resources)");
    }
    int port = DynamoDbLocal.freePort();
    Path directory = Files.createTempDirectory("s3proxy-");
    Path properties = Files.writeString(directory.resolve("s3proxy.properties"), String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=local",
        "s3proxy.credential=local",
        "jclouds.provider=transient",
        "jclouds.identity=local",
        "jclouds.credential=local",
        "jclouds.regions=us-east-1") + "\n");
    Process process = new ProcessBuilder(List.of(ServiceProcess.java(), "-Xmx256m", "-jar", jar.toString(),
        "--properties", properties.toString())).redirectErrorStream(true)
        .redirectOutput(directory.resolve("s3proxy.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("s3proxy exited: " + Files.readString(directory.resolve("s3proxy.log")));
      }
      try (Socket probe = new Socket("127.0.0.1", port)) {
        return new LocalS3(process, port, directory);
      } catch (java.io.IOException notYet) {
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("s3proxy did not listen within 30 s");
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public S3AsyncClient client() {
    return client;
  }

  /** The keys in {@code bucket} (the first thousand). */
  public List<String> keys(String bucket) {
    return client.listObjectsV2(b -> b.bucket(bucket).maxKeys(1000)).join().contents().stream()
        .map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
  }

  @Override
  public void close() throws Exception {
    client.close();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    try (var files = Files.walk(directory)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
    }
  }
}
