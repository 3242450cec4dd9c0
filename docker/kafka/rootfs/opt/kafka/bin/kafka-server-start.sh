#!/bin/sh
# kafka-lab image: starts a Kafka node (broker and/or KRaft controller) in the foreground.
#
#   kafka-server-start.sh SERVER_PROPERTIES [--override key=value ...]
#
# Broker defaults, each kept when the variable is already set: a 1 GB heap (KAFKA_HEAP_OPTS), G1
# (KAFKA_JVM_PERFORMANCE_OPTS) and the broker logging of /opt/kafka/config/log4j2.yaml (KAFKA_LOG4J_OPTS).
set -eu

if [ $# -lt 1 ]; then
  echo "usage: kafka-server-start.sh SERVER_PROPERTIES [--override key=value ...]" >&2
  exit 2
fi

if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  config=/opt/kafka/config/log4j2.yaml
  [ -r "$config" ] || config=/etc/kafka/docker/log4j2.yaml
  export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$config"
fi
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1g -Xms1g}"
export KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"

exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
