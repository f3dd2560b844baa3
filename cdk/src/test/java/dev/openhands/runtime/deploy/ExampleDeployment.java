package dev.openhands.runtime.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awscdk.App;

/**
 * The example deployment the tests synthesize, offline: the context of {@code cdk.json}, then
 * {@code example-context.json} (the README's parameters), plus {@code lookups-context.json}, the cached answers of the VPC and prefix-list look-ups as the CDK
 * CLI stores them in {@code cdk.context.json}.
 */
final class ExampleDeployment {

  private ExampleDeployment() {}

  /** The README's example parameters alone ({@code example-context.json}). */
  static Map<String, Object> exampleParameters() {
    return read("example-context.json");
  }

  static Map<String, Object> context() {
    Map<String, Object> context = new HashMap<>(cdkJsonContext());
    context.putAll(read("example-context.json"));
    context.putAll(read("lookups-context.json"));
    return context;
  }

  /** An app that writes its cloud assembly into {@code outdir} (a test's temporary directory). */
  static App app(Map<String, Object> context, Path outdir) {
    return App.Builder.create().context(context).outdir(outdir.toString()).build();
  }

  /** Builds the whole app from {@code context}; the working directory is the cdk module. */
  static DeployApp.Stacks build(App app) {
    return DeployApp.build(app, Path.of("").toAbsolutePath(), Map.of());
  }

  /** The defaults and feature flags {@code cdk.json} gives the CLI, so tests synthesize the same app. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> cdkJsonContext() {
    try {
      Map<String, Object> cdkJson = new ObjectMapper().readValue(Path.of("cdk.json").toFile(),
          new TypeReference<Map<String, Object>>() {});
      return (Map<String, Object>) cdkJson.getOrDefault("context", Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> read(String resource) {
    try (InputStream in = ExampleDeployment.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        return Map.of();
      }
      return new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
