package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcLookupOptions;
import software.constructs.Construct;

/**
 * The existing VPC and the endpoints the gateway's tasks use from their private subnets: DynamoDB (the registry)
 * and S3 (image layers) as gateway endpoints, ECR, CloudWatch Logs and Secrets Manager as interface endpoints,
 * so pulling the image, logging and reading the origin secret never leave the VPC.
 */
public final class NetworkStack extends Stack {

  public static final String ID = "OpenHands-Network";

  /** Where the gateway's tasks run: private subnets that reach the internet through NAT (Cognito's JWKS). */
  public static final SubnetSelection TASK_SUBNETS =
      SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build();

  private final IVpc vpc;

  public NetworkStack(Construct scope, StackProps props, DeploymentSettings settings) {
    super(scope, ID, props);
    vpc = Vpc.fromLookup(this, "Vpc", VpcLookupOptions.builder().vpcId(settings.vpcId()).build());

    vpc.addGatewayEndpoint("DynamoDb", GatewayVpcEndpointOptions.builder()
        .service(GatewayVpcEndpointAwsService.DYNAMODB).subnets(List.of(TASK_SUBNETS)).build());
    if (!settings.skipS3Endpoint()) {
      vpc.addGatewayEndpoint("S3", GatewayVpcEndpointOptions.builder()
          .service(GatewayVpcEndpointAwsService.S3).subnets(List.of(TASK_SUBNETS)).build());
    }

    SecurityGroup endpoints = SecurityGroup.Builder.create(this, "EndpointsSecurityGroup").vpc(vpc)
        .description("HTTPS from inside the VPC to the interface endpoints").allowAllOutbound(false).build();
    endpoints.addIngressRule(Peer.ipv4(vpc.getVpcCidrBlock()), Port.tcp(443), "HTTPS from the VPC");
    List.of(
        new Endpoint("EcrApi", InterfaceVpcEndpointAwsService.ECR),
        new Endpoint("EcrDocker", InterfaceVpcEndpointAwsService.ECR_DOCKER),
        new Endpoint("Logs", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
        new Endpoint("SecretsManager", InterfaceVpcEndpointAwsService.SECRETS_MANAGER))
        .forEach(e -> vpc.addInterfaceEndpoint(e.id(), InterfaceVpcEndpointOptions.builder().service(e.service())
            .subnets(TASK_SUBNETS).securityGroups(List.of(endpoints)).privateDnsEnabled(true).open(false).build()));
  }

  private record Endpoint(String id, InterfaceVpcEndpointAwsService service) {}

  public IVpc vpc() {
    return vpc;
  }
}
