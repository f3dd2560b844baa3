package dev.openhands.runtime.deploy;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.HttpCodeElb;
import software.amazon.awscdk.services.elasticloadbalancingv2.HttpCodeTarget;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * The gateway's alarms (to the alert topic) and its dashboard: 5xx rate, unhealthy targets, p99 response time,
 * CPU and memory.
 */
public final class GatewayAlarms extends Construct {

  /** What is watched and where alarms go. */
  public record Watched(ApplicationLoadBalancer loadBalancer, ApplicationTargetGroup targets,
      FargateService service, ITopic alerts, String siteName) {}

  /** Percent of requests answered 5xx (by the gateway or the load balancer) that raises the alarm. */
  static final double FIVE_XX_PERCENT = 5;

  public GatewayAlarms(Construct scope, String id, Watched watched) {
    super(scope, id);
    MetricOptions perMinute = MetricOptions.builder().period(Duration.minutes(1)).statistic("Sum").build();
    Metric requests = watched.loadBalancer().getMetrics().requestCount(perMinute);
    Metric targetErrors = watched.loadBalancer().getMetrics().httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT,
        perMinute);
    Metric balancerErrors = watched.loadBalancer().getMetrics().httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, perMinute);
    MathExpression errorRate = MathExpression.Builder.create()
        .expression("IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)")
        .usingMetrics(Map.of("requests", requests, "target5xx", targetErrors, "elb5xx", balancerErrors))
        .label("5xx %").period(Duration.minutes(1)).build();
    Metric unhealthy = watched.targets().getMetrics().unhealthyHostCount(
        MetricOptions.builder().period(Duration.minutes(1)).statistic("Maximum").build());
    Metric p99 = watched.targets().getMetrics().targetResponseTime(
        MetricOptions.builder().period(Duration.minutes(1)).statistic("p99").build());
    Metric cpu = watched.service().metricCpuUtilization(
        MetricOptions.builder().period(Duration.minutes(1)).build());
    Metric memory = watched.service().metricMemoryUtilization(
        MetricOptions.builder().period(Duration.minutes(1)).build());

    SnsAction notify = new SnsAction(watched.alerts());
    List.of(
        alarm("FiveXxRate", errorRate, FIVE_XX_PERCENT, 3, "more than 5 % of requests answered 5xx"),
        alarm("UnhealthyTargets", unhealthy, 0, 2, "a gateway task fails its /health check"),
        alarm("SlowResponses", p99, 2, 5, "p99 time to first byte above 2 s"),
        alarm("Cpu", cpu, 80, 5, "gateway CPU above 80 %"),
        alarm("Memory", memory, 85, 5, "gateway memory above 85 %"))
        .forEach(a -> {
          a.addAlarmAction(notify);
          a.addOkAction(notify);
        });

    Dashboard.Builder.create(this, "Dashboard").dashboardName(watched.siteName() + "-gateway")
        .widgets(List.of(
            List.of(graph("Requests a minute", requests), graph("5xx %", errorRate),
                graph("p99 response time (s)", p99)),
            List.of(graph("Unhealthy targets", unhealthy), graph("CPU %", cpu), graph("Memory %", memory))))
        .build();
  }

  private Alarm alarm(String id, IMetric metric, double threshold, int minutes, String description) {
    return Alarm.Builder.create(this, id).metric(metric).threshold(threshold)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
        .evaluationPeriods(minutes).datapointsToAlarm(minutes)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .alarmDescription(description).build();
  }

  private static GraphWidget graph(String title, IMetric metric) {
    return GraphWidget.Builder.create().title(title).left(List.of(metric)).width(8).build();
  }
}
