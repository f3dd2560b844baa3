package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awscdk.App;

/** Each context parameter: the example reads, and a missing or malformed one stops synth with a line naming it. */
class DeploymentSettingsTest {

  @TempDir
  Path dir;

  private static DeploymentSettings read(Map<String, Object> context, Map<String, String> environment) {
    return DeploymentSettings.read(context::get, environment);
  }

  private static Map<String, Object> example() {
    return new HashMap<>(ExampleDeployment.context());
  }

  @Test
  void example_readsWithDefaultsForWhatItLeavesOut() {
    DeploymentSettings settings = read(example(), Map.of());
    assertEquals("openhands.example.com", settings.mainHost());
    assertEquals("runtime.openhands.example.com", settings.runtimeDomain());
    assertEquals("origin.openhands.example.com", settings.originHost());
    assertEquals(List.of("openhands.example.com", "openhands-staging.example.com"), settings.signInHosts());
    assertEquals("openhands-acme", settings.cognitoDomainPrefix());
    assertEquals(20_000, settings.wafRateLimit());
    assertFalse(settings.skipS3Endpoint());
    assertEquals("http://app.openhands.local:3000", settings.appUpstream());
    assertEquals(DeploymentSettings.DEFAULT_APP_IMAGE, settings.appImage());
    assertEquals(null, settings.existingRegistryTable());
    assertEquals(null, settings.existingWorkspaceFileSystemId());
  }

  @ParameterizedTest
  @CsvSource({"vpcId", "hostedZoneId", "domainName", "subDomain", "authDomainPrefixSuffix", "account", "region"})
  void requiredParameter_missing_namesIt(String key) {
    Map<String, Object> context = example();
    context.remove(key);
    SettingsException e = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertTrue(e.getMessage().startsWith("context " + key + ": not set"), e.getMessage());
  }

  @Test
  void accountAndRegion_fallBackToTheCliDefaults() {
    Map<String, Object> context = example();
    context.remove("account");
    context.remove("region");
    DeploymentSettings settings = read(context,
        Map.of("CDK_DEFAULT_ACCOUNT", "210987654321", "CDK_DEFAULT_REGION", "us-west-2"));
    assertEquals("210987654321", settings.account());
    assertEquals("us-west-2", settings.region());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "vpcId|vpc-XYZ|a VPC id",
      "hostedZoneId|zone1|a Route 53 zone id",
      "domainName|Example.COM|lower-case domain",
      "subDomain|open.hands|one lower-case DNS label",
      "account|12345|a 12-digit AWS account id",
      "region|Europe|an AWS region",
      "gatewayCpu|300|256, 512, 1024, 2048 or 4096",
      "gatewayMemory|512|with gatewayCpu 512",
      "gatewayMinTasks|0|a whole number from 1 to 100",
      "gatewayMaxTasks|many|a whole number from 1 to 100",
      "runtimeAuth|everyone|one of [none, owner]",
      "skipS3Endpoint|yes|true or false",
      "authCallbackDomains|https://x.example.com|lower-case host names",
      "alarmEmail|ops|an e-mail address",
      "sandboxSecurityGroupId|group-1|a security group id",
      "sandboxCpu|3000|256, 512, 1024, 2048 or 4096",
      "sandboxMemory|1024|with sandboxCpu 2048",
      "sandboxImage|Not An Image|a container image"})
  void malformedParameter_namesItAndWhatWasExpected(String key, String value, String expected) {
    Map<String, Object> context = example();
    context.put(key, value);
    SettingsException e = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertTrue(e.getMessage().startsWith("context " + key + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void minAboveMax_isRefused() {
    Map<String, Object> context = example();
    context.put("gatewayMinTasks", "5");
    context.put("gatewayMaxTasks", "4");
    SettingsException e = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertEquals("context gatewayMinTasks: 5 (expected: <= gatewayMaxTasks, 4)", e.getMessage());
  }

  @Test
  void callbackDomains_acceptAJsonListOrCommasAndDropTheMainHost() {
    Map<String, Object> context = example();
    context.put("authCallbackDomains", List.of("a.example.com", "openhands.example.com"));
    assertEquals(List.of("openhands.example.com", "a.example.com"), read(context, Map.of()).signInHosts());
    context.put("authCallbackDomains", "[\"a.example.com\", \"b.example.com\"]");
    assertEquals(List.of("a.example.com", "b.example.com"), read(context, Map.of()).authCallbackDomains());
  }

  @Test
  void adoptedFileSystem_needsItsSecurityGroup_andAKeyNeedsItsTable() {
    Map<String, Object> context = example();
    context.put("existingWorkspaceFileSystemId", "fs-0123456789abcdef0");
    SettingsException refused = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertEquals("context existingWorkspaceSecurityGroupId: not set (expected: the security group of the adopted"
        + " file system's mount targets)", refused.getMessage());
    context.put("existingWorkspaceSecurityGroupId", "sg-0123456789abcdef0");
    assertEquals("fs-0123456789abcdef0", read(context, Map.of()).existingWorkspaceFileSystemId());

    context.put("existingRegistryTableKeyArn",
        "arn:aws:kms:eu-west-1:123456789012:key/01234567-89ab-cdef-0123-456789abcdef");
    refused = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertEquals("context existingRegistryTableKeyArn: set without existingRegistryTable", refused.getMessage());
  }

  @Test
  void appSize_isCheckedAgainstFargate_andTheAuthClassMustBeAPythonName() {
    Map<String, Object> context = example();
    context.put("appCpu", "1024");
    context.put("appMemory", "1024");
    SettingsException refused = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertTrue(refused.getMessage().startsWith("context appMemory: 1024 (expected with appCpu 1024"),
        refused.getMessage());
    context.put("appMemory", "2048");
    context.put("appUserAuthClass", "os.system('x')");
    refused = assertThrows(SettingsException.class, () -> read(context, Map.of()));
    assertTrue(refused.getMessage().startsWith("context appUserAuthClass: "), refused.getMessage());
  }

  @Test
  void authOutputs_absentFile_leavesTheEdgeStackOut() {
    Map<String, Object> context = example();
    context.put("authOutputsFile", dir.resolve("none.json").toString());
    App app = ExampleDeployment.app(context, dir.resolve("out"));
    DeployApp.Stacks stacks = ExampleDeployment.build(app);
    assertTrue(stacks.edge().isEmpty());
    assertEquals(9, app.getNode().getChildren().stream()
        .filter(c -> c instanceof software.amazon.awscdk.Stack).count());
  }

  @Test
  void authOutputs_malformed_namesTheOutput() throws IOException {
    Path file = dir.resolve("auth-outputs.json");
    Files.writeString(file, "{\"OpenHands-Auth\": {\"UserPoolId\": \"pool\", \"UserPoolClientId\": \"abc\"}}");
    SettingsException e = assertThrows(SettingsException.class, () -> AuthOutputs.readIfPresent(file));
    assertTrue(e.getMessage().startsWith("OpenHands-Auth.UserPoolId: 'pool'"), e.getMessage());
    Files.writeString(file, "{\"Other\": {}}");
    e = assertThrows(SettingsException.class, () -> AuthOutputs.readIfPresent(file));
    assertTrue(e.getMessage().contains("no \"OpenHands-Auth\" object"), e.getMessage());
    Files.writeString(file, "{not json");
    e = assertThrows(SettingsException.class, () -> AuthOutputs.readIfPresent(file));
    assertTrue(e.getMessage().contains("not readable JSON"), e.getMessage());
  }

  @Test
  void authOutputs_issuerIsThePoolsCognitoUrl() {
    assertEquals("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Xy9",
        new AuthOutputs("eu-central-1_Xy9", "client1").issuer());
  }
}
