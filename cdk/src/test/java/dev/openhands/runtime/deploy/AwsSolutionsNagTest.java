package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** cdk-nag's AwsSolutions pack over the whole example deployment: no error left unsuppressed. */
class AwsSolutionsNagTest {

  @TempDir
  Path outdir;

  @Test
  void everyStack_hasNoUnsuppressedAwsSolutionsError() {
    App app = ExampleDeployment.app(ExampleDeployment.context(), outdir);
    DeployApp.Stacks stacks = ExampleDeployment.build(app);
    Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
    app.synth();

    List<Stack> all = new ArrayList<>(List.of(stacks.auth(), stacks.network(), stacks.security(),
        stacks.monitoring(), stacks.cluster(), stacks.sandbox(), stacks.compute(), stacks.edge().orElseThrow()));
    List<String> errors = new ArrayList<>();
    int warnings = 0;
    for (Stack stack : all) {
      for (SynthesisMessage m : Annotations.fromStack(stack).findError("*",
          Match.stringLikeRegexp("AwsSolutions-.*"))) {
        errors.add(stack.getStackName() + " " + m.getId() + ": " + firstLine(m.getEntry().getData()));
      }
      warnings += Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")).size();
    }
    System.out.println("cdk-nag AwsSolutions: " + errors.size() + " errors, " + warnings + " warnings");
    assertEquals(List.of(), errors);
    assertEquals(8, all.size());
  }

  private static String firstLine(Object data) {
    return String.valueOf(data).lines().findFirst().orElse("");
  }
}
