# Herald broker image. Build from the repository root:
#   docker build -t herald:0.1.0 .
# Two stages: Maven builds target/herald.jar (the shaded jar, finalName "herald" in broker/pom.xml), then only the
# jar and conf/ go into a JRE image that runs as an unprivileged user.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, in their own layer, so editing the sources does not download them again. The root
# pom.xml is the parent of two modules: client/ (the Java client's own artifact) and broker/pom.xml, whose
# sources are the root's src/.
COPY pom.xml ./
COPY broker/pom.xml ./broker/
COPY client/pom.xml ./client/
RUN mvn -B -q dependency:go-offline
COPY client/src ./client/src
COPY src ./src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# A fixed numeric UID/GID, so Kubernetes can check runAsNonRoot without looking the name up.
RUN groupadd --system --gid 10001 herald \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin herald \
    && mkdir /data && chown 10001:10001 /data
WORKDIR /app
COPY --from=build /src/target/herald.jar /app/herald.jar
# Read from the working directory: conf/config.json (HERALD_CONFIG) and conf/cluster.xml
# (HERALD_HAZELCAST_CONFIG). In Kubernetes a ConfigMap generated from the same files is mounted here.
COPY conf/ /app/conf/

# The event-bus port is "any free port" by default; a container needs it fixed so it can be exposed and
# admitted by a NetworkPolicy.
ENV HERALD_EVENTBUS_PORT=5702
# A single node keeps its topic logs here (HERALD_STORAGE=disk, the default), writable by the herald user
# (/app is root's); mount a volume on it to keep them across containers. A cluster keeps them in memory.
ENV HERALD_DATA_DIR=/data
VOLUME ["/data"]

# 8888 clients (HERALD_PORT), 9888 health and metrics over HTTP (HERALD_HTTP_PORT),
# 5701 Hazelcast members (HERALD_HAZELCAST_PORT), 5702 the Vert.x event bus (HERALD_EVENTBUS_PORT).
EXPOSE 8888 9888 5701 5702

USER 10001:10001

# curl ships in the Ubuntu-based eclipse-temurin images; a java one-liner would start a JVM every interval.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9888/health/live"]

# java runs as PID 1 and gets SIGTERM itself, so the broker drains (see README, "Running and stopping").
# Its JVM flags come from conf/jvm.options (the java launcher reads an @file itself, no shell in between),
# the file bin/herald uses too, with the reason for each; in Kubernetes the ConfigMap made from conf/ carries
# it. Only the heap size is the image's own: it follows the container's memory limit, all of which is the
# node's. The Hazelcast --add-opens are in the jar's manifest.
# Extra JVM flags: set JDK_JAVA_OPTIONS, which the java launcher reads itself.
ENTRYPOINT ["java", "@/app/conf/jvm.options", "-XX:MaxRAMPercentage=75", "-jar", "/app/herald.jar"]
