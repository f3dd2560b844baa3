package dev.openhands.runtime.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Lambda@Edge package: the edge-lambda module's {@code src/*.mjs} plus the {@code config.json} that
 * Lambda@Edge cannot take as environment variables, written here at synth from the Auth stack's outputs. The
 * function checks the same file at cold start ({@code config.mjs}).
 */
public final class EdgeBundle {

  private EdgeBundle() {}

  /** The configuration the function reads, field for field as {@code edge-lambda/src/config.mjs} documents it. */
  static Map<String, Object> config(DeploymentSettings settings, AuthOutputs auth) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("region", DeploymentSettings.EDGE_REGION);
    config.put("userPoolId", auth.userPoolId());
    config.put("clientId", auth.clientId());
    config.put("cognitoDomain", AuthStack.cognitoDomainUrl(settings));
    config.put("mainHost", settings.mainHost());
    config.put("cookieDomain", settings.mainHost());
    config.put("runtimeAuth", settings.runtimeAuth());
    config.put("runtimePathRewrite", false);
    return config;
  }

  /**
   * Copies the function's sources from {@code sourceDir} into a fresh {@code stagingDir} and writes its
   * {@code config.json}; returns {@code stagingDir}.
   */
  public static Path stage(Path sourceDir, Path stagingDir, DeploymentSettings settings, AuthOutputs auth) {
    try {
      if (Files.isDirectory(stagingDir)) {
        try (Stream<Path> old = Files.list(stagingDir)) {
          for (Path file : old.toList()) {
            Files.delete(file);
          }
        }
      }
      Files.createDirectories(stagingDir);
      List<Path> sources;
      try (Stream<Path> files = Files.list(sourceDir)) {
        sources = files.filter(f -> f.getFileName().toString().endsWith(".mjs")).sorted().toList();
      }
      if (sources.isEmpty()) {
        throw new SettingsException(sourceDir + ": no .mjs files (expected: the edge-lambda module's sources)");
      }
      for (Path source : sources) {
        Files.copy(source, stagingDir.resolve(source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(stagingDir.resolve("config.json").toFile(), config(settings, auth));
      return stagingDir;
    } catch (IOException e) {
      throw new UncheckedIOException("staging the edge function in " + stagingDir, e);
    }
  }
}
