package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupImportOptions;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.efs.Acl;
import software.amazon.awscdk.services.efs.FileSystem;
import software.amazon.awscdk.services.efs.FileSystemAttributes;
import software.amazon.awscdk.services.efs.IFileSystem;
import software.amazon.awscdk.services.efs.LifecyclePolicy;
import software.amazon.awscdk.services.efs.PerformanceMode;
import software.amazon.awscdk.services.efs.PosixUser;
import software.amazon.awscdk.services.efs.ThroughputMode;
import software.amazon.awscdk.services.kms.IKey;
import software.constructs.Construct;

/**
 * The sandboxes' workspace file system: encrypted, retained, infrequent access after 14 days. Each conversation gets
 * its own access point below {@link #BASE_PATH} (made by the orchestrator at start, as POSIX user 1000); the base
 * access point is what the orchestrator itself mounts to archive and delete workspaces, as that same user.
 *
 * <p>Or an existing file system adopted by id ({@link #adopt}), such as an openhands-infra deployment's workspace
 * file system, which keeps the same layout: nothing is replaced, every conversation keeps its files, and only the
 * base access point and the NFS rules for this deployment's tasks are added.
 */
public final class SandboxWorkspace extends Construct {

  public static final String BASE_PATH = "/sandbox-workspace";
  /** The agent-server image's user, who owns every workspace. */
  static final String WORKSPACE_UID = "1000";

  private final IFileSystem fileSystem;
  private final AccessPoint base;

  private SandboxWorkspace(Construct scope, String id, java.util.function.Function<Construct, ISecurityGroup> group,
      java.util.function.BiFunction<Construct, ISecurityGroup, IFileSystem> fileSystem, List<ISecurityGroup> clients) {
    super(scope, id);
    ISecurityGroup nfs = group.apply(this);
    for (ISecurityGroup client : clients) {
      nfs.addIngressRule(client, Port.tcp(2049), "NFS from " + client.getNode().getPath());
    }
    this.fileSystem = fileSystem.apply(this, nfs);
    base = AccessPoint.Builder.create(this, "Base").fileSystem(this.fileSystem)
        .path(BASE_PATH)
        .posixUser(PosixUser.builder().uid(WORKSPACE_UID).gid(WORKSPACE_UID).build())
        .createAcl(Acl.builder().ownerUid(WORKSPACE_UID).ownerGid(WORKSPACE_UID).permissions("755").build())
        .build();
  }

  /**
   * A new file system in {@code vpc}, encrypted with {@code key}.
   *
   * @param clients the groups whose tasks mount the file system (NFS from them only)
   */
  public static SandboxWorkspace create(Construct scope, String id, IVpc vpc, IKey key, List<ISecurityGroup> clients) {
    return new SandboxWorkspace(scope, id, self -> SecurityGroup.Builder.create(self, "Nfs").vpc(vpc)
        .allowAllOutbound(false)
        .description("Sandbox workspace file system: NFS from sandbox tasks and the orchestrator only").build(),
        (self, nfs) -> newFileSystem(self, vpc, key, nfs), clients);
  }

  /** The existing file system {@code fileSystemId}, whose mount targets are in security group {@code groupId}. */
  public static SandboxWorkspace adopt(Construct scope, String id, String fileSystemId, String groupId,
      List<ISecurityGroup> clients) {
    return new SandboxWorkspace(scope, id, self -> SecurityGroup.fromSecurityGroupId(self, "Nfs", groupId,
        SecurityGroupImportOptions.builder().mutable(true).allowAllOutbound(false).build()),
        (self, nfs) -> FileSystem.fromFileSystemAttributes(self, "FileSystem", FileSystemAttributes.builder()
            .fileSystemId(fileSystemId).securityGroup(nfs).build()), clients);
  }

  private static FileSystem newFileSystem(Construct scope, IVpc vpc, IKey key, ISecurityGroup group) {
    return FileSystem.Builder.create(scope, "FileSystem").vpc(vpc)
        .vpcSubnets(NetworkStack.TASK_SUBNETS)
        .securityGroup(group)
        .encrypted(true).kmsKey(key)
        .lifecyclePolicy(LifecyclePolicy.AFTER_14_DAYS)
        .performanceMode(PerformanceMode.GENERAL_PURPOSE)
        .throughputMode(ThroughputMode.ELASTIC)
        .enableAutomaticBackups(true)
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();
  }

  public IFileSystem fileSystem() {
    return fileSystem;
  }

  /** The access point at {@link #BASE_PATH}: the base task definition's volume, and the orchestrator's mount. */
  public AccessPoint base() {
    return base;
  }
}
