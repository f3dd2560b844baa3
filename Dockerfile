# syntax=docker/dockerfile:1
# Two images, for linux/arm64 (Fargate Graviton) and linux/amd64, from one build stage:
#   docker buildx build --platform linux/arm64,linux/amd64 --target gateway -t openhands-runtime-gateway .
#   docker buildx build --platform linux/arm64,linux/amd64 --target orchestrator -t openhands-orchestrator .
# Build stage: the Maven wrapper on a JDK image. Runtime stages: a JRE image each, non-root, no build tools,
# with a class-data-sharing archive made by a short training run so that tasks start faster.

FROM --platform=$BUILDPLATFORM eclipse-temurin:21-jdk-jammy AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY common/pom.xml common/
COPY gateway/pom.xml gateway/
COPY orchestrator/pom.xml orchestrator/
COPY edge-lambda/pom.xml edge-lambda/
COPY cdk/pom.xml cdk/
COPY loadtest/pom.xml loadtest/
RUN ./mvnw -B -q -pl gateway,orchestrator -am dependency:go-offline
COPY common/src common/src
COPY gateway/src gateway/src
COPY orchestrator/src orchestrator/src
RUN ./mvnw -B -q -pl gateway,orchestrator -am -DskipTests package

FROM eclipse-temurin:21-jre-jammy AS orchestrator
RUN groupadd --system --gid 10001 orchestrator \
    && useradd --system --uid 10001 --gid orchestrator --no-create-home --shell /usr/sbin/nologin orchestrator
WORKDIR /app
COPY --from=build /src/orchestrator/target/orchestrator.jar /app/orchestrator.jar
COPY orchestrator/src/main/jvm/jvm.options /app/jvm.options
# Training run: start the orchestrator, let it drain on SIGTERM, and archive the classes it loaded.
RUN SANDBOX_TABLE=cds-training SANDBOX_PROVIDER=local ORCHESTRATOR_API_KEYS=cds-training-key-0123456789 \
    BIND_ADDRESS=127.0.0.1 ORCHESTRATOR_PORT=18081 ADMIN_PORT=19091 AWS_REGION=us-east-1 \
    DYNAMODB_ENDPOINT=http://127.0.0.1:1 DRAIN_TIMEOUT=3s \
    sh -c 'java -XX:ArchiveClassesAtExit=/app/orchestrator.jsa -jar /app/orchestrator.jar & pid=$!; sleep 8; kill -TERM $pid; wait $pid' \
    && chmod 0444 /app/orchestrator.jsa
USER 10001:10001
EXPOSE 8081 9091
# The exact command line is also started by the orchestrator's ContainerCommandIT.
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/orchestrator.jar"]

FROM eclipse-temurin:21-jre-jammy AS gateway
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --shell /usr/sbin/nologin gateway
WORKDIR /app
COPY --from=build /src/gateway/target/gateway.jar /app/gateway.jar
COPY gateway/src/main/jvm/jvm.options /app/jvm.options
# Training run: start the gateway, let it drain on SIGTERM, and archive the classes it loaded.
RUN SANDBOX_TABLE=cds-training ORIGIN_VERIFY=disabled BIND_ADDRESS=127.0.0.1 GATEWAY_PORT=18080 ADMIN_PORT=19090 \
    AWS_REGION=us-east-1 DYNAMODB_ENDPOINT=http://127.0.0.1:1 DRAIN_DELAY=100ms DRAIN_TIMEOUT=2s \
    sh -c 'java -XX:ArchiveClassesAtExit=/app/gateway.jsa -jar /app/gateway.jar & pid=$!; sleep 8; kill -TERM $pid; wait $pid' \
    && chmod 0444 /app/gateway.jsa
USER 10001:10001
EXPOSE 8080 9090
# The exact command line is also started by the gateway's ContainerCommandIT.
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/gateway.jar"]
