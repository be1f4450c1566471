# tokenmeter container image.
#   docker build -t tokenmeter .
# Build stage: the shaded jar (target/tokenmeter-*-all.jar, see pom.xml).
FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so that a source change does not refetch them.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
# Tests run in CI, where ../shared/data (the test fixtures) is present; it is
# not part of the build context.
RUN mvn -B -q -DskipTests package \
 && cp target/tokenmeter-*-all.jar /tokenmeter.jar

# Runtime stage: a JRE only.
FROM eclipse-temurin:17.0.16_8-jre
RUN groupadd --system tokenmeter \
 && useradd --system --gid tokenmeter --home-dir /var/lib/tokenmeter tokenmeter \
 && mkdir -p /app /var/lib/tokenmeter \
 && chown tokenmeter:tokenmeter /var/lib/tokenmeter
COPY --from=build /tokenmeter.jar /app/tokenmeter.jar
USER tokenmeter
WORKDIR /var/lib/tokenmeter
# Breakpoint state and history survive restarts here (--state-dir).
VOLUME /var/lib/tokenmeter
# /metrics, the API, the webhook and the dashboard share one port.
EXPOSE 9464
ENTRYPOINT ["java", "-jar", "/app/tokenmeter.jar"]
# tokenmeter refuses to listen on a non-loopback address without a token, so
# the default command expects one mounted at /run/secrets/tokenmeter_token.
CMD ["serve", "--bind", "0.0.0.0", "--port", "9464", "--api-token-file", "/run/secrets/tokenmeter_token", "--state-dir", "/var/lib/tokenmeter"]
