#!/bin/sh
# kafka-lab image: runs one Java class of Kafka with every jar of /opt/kafka/libs on the classpath.
#
#   kafka-run-class.sh CLASS [ARGS...]
#
# Environment (unset = the default in brackets):
#   KAFKA_HEAP_OPTS             heap flags [-Xmx256m]
#   KAFKA_JVM_PERFORMANCE_OPTS  GC and JIT flags [short-lived tool: serial GC, C1 only]
#   KAFKA_LOG4J_OPTS            logging [-Dlog4j2.configurationFile=<config>/tools-log4j2.yaml: WARN to stderr]
#   KAFKA_JMX_OPTS, JMX_PORT    remote JMX [off; JMX_PORT turns it on without auth or TLS]
#   KAFKA_OPTS                  anything else for the JVM (-D..., -javaagent:...)
#   CLASSPATH                   appended to the classpath
# kafka-server-start.sh sets broker defaults for the heap, the GC and the logging before it calls this script.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: kafka-run-class.sh CLASS [ARGS...]" >&2
  exit 2
fi

home=/opt/kafka
java="${JAVA_HOME:-/opt/java/openjdk}/bin/java"

classpath="$home/libs/*"
if [ -n "${CLASSPATH:-}" ]; then classpath="$classpath:$CLASSPATH"; fi

heap="${KAFKA_HEAP_OPTS:--Xmx256m}"
perf="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}"

log4j="${KAFKA_LOG4J_OPTS:-}"
if [ -z "$log4j" ]; then
  tools_config="$home/config/tools-log4j2.yaml"
  [ -r "$tools_config" ] || tools_config=/etc/kafka/docker/tools-log4j2.yaml
  log4j="-Dlog4j2.configurationFile=$tools_config"
fi

jmx="${KAFKA_JMX_OPTS:-}"
if [ -n "${JMX_PORT:-}" ]; then
  if [ -z "$jmx" ]; then
    jmx="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false"
  fi
  jmx="$jmx -Dcom.sun.management.jmxremote.port=$JMX_PORT"
fi

# The option variables hold several flags each: split them on spaces, but never expand a * in them.
set -f
# shellcheck disable=SC2086
exec "$java" $heap $perf $jmx $log4j "-Dkafka.logs.dir=${LOG_DIR:-$home/logs}" ${KAFKA_OPTS:-} -cp "$classpath" "$@"
