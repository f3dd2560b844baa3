# syntax=docker/dockerfile:1
# Two images, for linux/arm64 (Fargate Graviton) and linux/amd64, from one build stage:
#   docker buildx build --platform linux/arm64,linux/amd64 --target gateway -t openhands-runtime-gateway .
#   docker buildx build --platform linux/arm64,linux/amd64 --target orchestrator -t openhands-orchestrator .
# Build stage: the Maven wrapper on a JDK image. Runtime stages: a Java 25 JRE image each, non-root, no build tools.
# The orchestrator's has a class-data-sharing archive from a short training run; the gateway's an ahead-of-time
# cache (JEP 483, 514, 515) from a training run that sends real traffic through its request path.

FROM --platform=$BUILDPLATFORM eclipse-temurin:25-jdk-noble AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY common/pom.xml common/
COPY gateway/pom.xml gateway/
COPY orchestrator/pom.xml orchestrator/
COPY edge-lambda/pom.xml edge-lambda/
COPY lambda/pom.xml lambda/
COPY cdk/pom.xml cdk/
COPY loadtest/pom.xml loadtest/
RUN ./mvnw -B -q -pl gateway,orchestrator -am dependency:go-offline
COPY common/src common/src
COPY gateway/src gateway/src
COPY orchestrator/src orchestrator/src
RUN ./mvnw -B -q -pl gateway,orchestrator -am -DskipTests package

FROM eclipse-temurin:25-jre-noble AS orchestrator
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

FROM eclipse-temurin:25-jre-noble AS gateway
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --shell /usr/sbin/nologin gateway
WORKDIR /app
COPY --from=build /src/gateway/target/gateway.jar /app/gateway.jar
COPY gateway/src/main/jvm/jvm.options /app/jvm.options
# Training run: the gateway warms its request path with real traffic (as on every start, but with the settings of a
# deployment: origin check, owners, runtime sign-in), stops, and the JVM writes the classes it loaded and linked and
# the method profiles to the AOT cache. Its flags must be the ENTRYPOINT's, or the cache goes unused: the same
# options file, and -Xmx so that compressed oops are on as in a task whatever the build host's memory.
# ContainerCommandIT runs this line and then the ENTRYPOINT with -XX:AOTMode=on, which fails on a mismatch.
RUN SANDBOX_TABLE=aot-training ORIGIN_VERIFY_SECRET=aot-training-origin-secret BIND_ADDRESS=127.0.0.1 \
    GATEWAY_PORT=18080 ADMIN_PORT=19090 AWS_REGION=us-east-1 DYNAMODB_ENDPOINT=http://127.0.0.1:1 \
    SIGN_IN_URL=https://openhands.invalid/_login RUNTIME_SESSION_SECRET=aot-training-session-secret-0123456789 \
    java @/app/jvm.options -Xmx1g -XX:AOTCacheOutput=/app/gateway.aot -jar /app/gateway.jar --warm-up-only \
    && chmod 0444 /app/gateway.aot
USER 10001:10001
EXPOSE 8080 9090
# The exact command line is also started by the gateway's ContainerCommandIT. Without a usable cache (another
# JVM's, other flags) the JVM logs it and starts with the JDK's own class-data archive.
ENTRYPOINT ["java", "@/app/jvm.options", "-XX:AOTCache=/app/gateway.aot", "-jar", "/app/gateway.jar"]
