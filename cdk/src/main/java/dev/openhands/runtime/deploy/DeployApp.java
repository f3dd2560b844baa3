package dev.openhands.runtime.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.TagProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.iam.PolicyStatement;

/**
 * The CDK app. Stacks are wired in the order of the architecture picture: sign-in, network, security, logs and
 * alerts, the app's database, the cluster, sandboxes (the registry, the workspace file system, the sandbox task definition and the
 * orchestrator), the users' configuration API, the app and the gateway, and the edge in front of it all.
 *
 * <p>Auth and Edge live in us-east-1 (CloudFront's certificate, WAF and Lambda@Edge must); the rest in
 * {@code region}. Nothing crosses regions by reference: the Edge stack reaches the load balancer by its Route 53
 * name and reads the origin secret's us-east-1 replica by name, and the pool and client ids come from the Auth
 * stack's deployed outputs. Until those exist the Edge stack is left out, with one line saying so.
 */
public final class DeployApp {

  private DeployApp() {}

  /** Every stack of the deployment; {@code edge} is empty until the Auth stack's outputs exist. */
  public record Stacks(AuthStack auth, NetworkStack network, SecurityStack security, MonitoringStack monitoring,
      DatabaseStack database, ClusterStack cluster, SandboxStack sandbox, UserConfigStack userConfig,
      ComputeStack compute, Optional<EdgeStack> edge) {}

  public static void main(String[] args) {
    App app = new App();
    try {
      Stacks stacks = build(app, Path.of("").toAbsolutePath(), System.getenv());
      if (stacks.edge().isEmpty()) {
        System.err.println("Edge stack left out: no Auth outputs yet. Run `npx cdk deploy " + AuthStack.ID
            + " --outputs-file auth-outputs.json` first (see README, Deploy).");
      }
    } catch (SettingsException e) {
      System.err.println("synth stopped: " + e.getMessage());
      System.exit(1);
    }
    app.synth();
  }

  /**
   * Builds every stack into {@code app}.
   *
   * @param workDir the directory relative paths in context (the Auth outputs file) are resolved against
   * @param environment the process environment (the CDK CLI's default account and region)
   */
  public static Stacks build(App app, Path workDir, Map<String, String> environment) {
    return build(app, workDir, environment, GatewayTimings.defaults());
  }

  /** As {@link #build(App, Path, Map)}, with other drain and idle limits (checked at synth). */
  public static Stacks build(App app, Path workDir, Map<String, String> environment, GatewayTimings timings) {
    DeploymentSettings settings = DeploymentSettings.read(app.getNode()::tryGetContext, environment);
    Path repository = repositoryRoot(workDir);
    Optional<AuthOutputs> auth = AuthOutputs.readIfPresent(workDir.resolve(settings.authOutputsFile()));
    StackProps inRegion = props(settings, settings.region());
    StackProps atEdge = props(settings, DeploymentSettings.EDGE_REGION);
    // Listener rules are left untagged: CloudFormation's schema for them has no Tags yet.
    Tags.of(app).add("project", "openhands-" + settings.siteName(), TagProps.builder()
        .excludeResourceTypes(List.of("AWS::ElasticLoadBalancingV2::ListenerRule")).build());

    AuthStack authStack = new AuthStack(app, atEdge, settings);
    NetworkStack network = new NetworkStack(app, inRegion, settings);
    SecurityStack security = new SecurityStack(app, inRegion, settings, network.vpc());
    MonitoringStack monitoring = new MonitoringStack(app, inRegion, settings, security.key());
    DatabaseStack database = new DatabaseStack(app, inRegion, new DatabaseStack.Inputs(settings,
        JavaFunctions.jar(repository), network.vpc()));
    database.addStackDependency(network, "the Secrets Manager endpoint serves the bootstrap function");
    ClusterStack cluster = new ClusterStack(app, inRegion, settings, network.vpc());
    List<PolicyStatement> sandboxAws = settings.sandboxAwsAccess()
        ? SandboxAwsPolicy.read(workDir.resolve(settings.sandboxAwsPolicyFile())) : List.of();
    SandboxStack sandbox = new SandboxStack(app, inRegion, new SandboxStack.Inputs(settings, repository,
        network.vpc(), cluster.cluster(), cluster.namespace(), security, database, sandboxAws));
    sandbox.addStackDependency(network, "the VPC endpoints serve the orchestrator's tasks");
    UserConfigStack userConfig = new UserConfigStack(app, inRegion, new UserConfigStack.Inputs(settings,
        JavaFunctions.jar(repository), sandbox.conversationData()));
    ComputeStack compute = new ComputeStack(app, inRegion, new ComputeStack.Inputs(settings,
        timings, repository, network.vpc(), cluster.cluster(), cluster.namespace(), security, monitoring, database,
        sandbox, userConfig, auth));
    compute.addStackDependency(network, "the VPC endpoints serve the gateway's tasks");
    Optional<EdgeStack> edge = auth.map(outputs -> {
      Path bundle = EdgeBundle.stage(repository.resolve("edge-lambda/src"),
          repository.resolve("cdk/target/edge-bundle"), settings, outputs);
      EdgeStack stack = new EdgeStack(app, atEdge, new EdgeStack.Inputs(settings, bundle,
          security.originSecret().secretName()));
      stack.addStackDependency(security, "CloudFront reads the origin secret's us-east-1 replica");
      stack.addStackDependency(compute, "CloudFront's origin is the load balancer's Route 53 name");
      stack.addStackDependency(authStack, "the sign-in function is baked with the Auth stack's outputs");
      return stack;
    });
    return new Stacks(authStack, network, security, monitoring, database, cluster, sandbox, userConfig, compute,
        edge);
  }

  private static StackProps props(DeploymentSettings settings, String region) {
    return StackProps.builder()
        .env(Environment.builder().account(settings.account()).region(region).build())
        .description("OpenHands runtime gateway deployment (" + settings.siteName() + ")")
        .build();
  }

  /** The repository's root (it holds the Dockerfile and the edge-lambda module): {@code workDir} or a parent. */
  static Path repositoryRoot(Path workDir) {
    for (Path dir = workDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("Dockerfile")) && Files.isDirectory(dir.resolve("edge-lambda/src"))) {
        return dir;
      }
    }
    throw new SettingsException(workDir + ": not inside the repository (expected a parent holding Dockerfile and"
        + " edge-lambda/src)");
  }
}
