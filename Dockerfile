# Halite's container image: `docker build -t halite .` on a fresh checkout.
# Both base images can be replaced: --build-arg BUILD_BASE=<a JDK 17 + Maven image> --build-arg BASE=<a JRE 17+ image>.
# Works with the classic builder and with BuildKit (no cache mounts, no heredocs).
ARG BUILD_BASE=maven:3.9-eclipse-temurin-17
ARG BASE=eclipse-temurin:17-jre

FROM ${BUILD_BASE} AS build
WORKDIR /src
# The poms first, built without sources: this layer holds every dependency and plugin from Maven Central and is
# rebuilt only when a pom changes, not on every source edit.
COPY pom.xml ./
COPY halite-core/pom.xml halite-core/
COPY halite-backup/pom.xml halite-backup/
COPY halite-jdbc/pom.xml halite-jdbc/
COPY halite-server/pom.xml halite-server/
COPY halite-bench/pom.xml halite-bench/
RUN mvn -B -q -Dmaven.test.skip=true -pl halite-server -am package
COPY halite-core/src halite-core/src
COPY halite-backup/src halite-backup/src
COPY halite-jdbc/src halite-jdbc/src
COPY halite-server/src halite-server/src
RUN mvn -B -q -Dmaven.test.skip=true -pl halite-server -am package

FROM ${BASE}
# A fixed numeric uid, so that Kubernetes' runAsNonRoot can check it and volume ownership is predictable. /backup
# is where a directory backup target (--backup file:///backup) can be mounted: a new named volume there starts
# out owned by the node's user, as /data does.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home halite \
    && mkdir -p /data /backup && chown 10001:10001 /data /backup
COPY --from=build /src/halite-server/target/lib/ /opt/halite/lib/
COPY --from=build /src/halite-server/target/halite.jar /opt/halite/halite.jar
COPY deploy/image/halite /usr/local/bin/halite
# A class-data sharing archive of the classes a node loads as it starts, writes, reads and stops, recorded by this
# image's own JVM (an archive belongs to one JVM build): the image's `halite` hands it to java, and a container is
# ready about a second sooner. The JVM writes it as it exits.
RUN set -e; \
    java -XX:ArchiveClassesAtExit=/opt/halite/halite.jsa -Xlog:cds*=off -jar /opt/halite/halite.jar serve \
        --data-dir /tmp/train --http-addr 127.0.0.1:4001 --raft-addr 127.0.0.1:4002 >/tmp/train.log 2>&1 & \
    node=$!; \
    for _ in $(seq 600); do halite health >/dev/null 2>&1 && break; sleep 0.2; done; \
    printf 'CREATE TABLE t(x);\nINSERT INTO t VALUES (1);\nSELECT x FROM t;\n' \
        | halite shell http://127.0.0.1:4001 >/dev/null || { cat /tmp/train.log; exit 1; }; \
    kill "$node"; wait "$node" || { cat /tmp/train.log; exit 1; }; \
    test -s /opt/halite/halite.jsa; rm -rf /tmp/train /tmp/train.log /tmp/sqlite-* /tmp/hsperfdata_root
# `halite serve` with no flags: data in /data, listening on every interface, advertising the host name (a pod's
# name, a container's --hostname). The heap is a fraction of the container's memory limit (direct memory defaults
# to the same size again); an OutOfMemoryError ends the process so that its supervisor restarts it.
ENV HALITE_DATA_DIR=/data \
    HALITE_HTTP_ADDR=0.0.0.0:4001 \
    HALITE_RAFT_ADDR=0.0.0.0:4002 \
    HALITE_JAVA_OPTS="-XX:MaxRAMPercentage=40 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 4001 4002
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["halite", "health"]
ENTRYPOINT ["halite"]
CMD ["serve"]
