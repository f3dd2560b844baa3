package dev.openhands.runtime.deploy;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.constructs.IConstruct;

/** cdk-nag suppressions, each with its reason and, where a rule names findings, narrowed to them. */
final class Nag {

  private Nag() {}

  /** Suppresses rule {@code id} on {@code construct} and its children, for the reason given. */
  static void suppress(IConstruct construct, String id, String reason) {
    NagSuppressions.addResourceSuppressions(construct,
        List.of(NagPackSuppression.builder().id(id).reason(reason).build()), true);
  }

  /** Suppresses only the listed findings of rule {@code id} (e.g. one wildcard resource of IAM5). */
  static void suppress(IConstruct construct, String id, String reason, List<String> appliesTo) {
    NagSuppressions.addResourceSuppressions(construct, List.of(NagPackSuppression.builder().id(id).reason(reason)
        .appliesTo(List.copyOf(appliesTo)).build()), true);
  }

  /**
   * As {@link #suppress(IConstruct, String, String, List)}, for findings named by exact text or, between slashes, by
   * a regular expression (findings that carry the region, the account or another stack's export).
   */
  static void suppressFindings(IConstruct construct, String id, String reason, List<String> findings) {
    List<Object> appliesTo = findings.stream().<Object>map(f -> f.length() > 1 && f.startsWith("/") && f.endsWith("/")
        ? io.github.cdklabs.cdknag.RegexAppliesTo.builder().regex(f).build() : f).toList();
    NagSuppressions.addResourceSuppressions(construct, List.of(NagPackSuppression.builder().id(id).reason(reason)
        .appliesTo(appliesTo).build()), true);
  }
}
