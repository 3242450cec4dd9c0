#!/bin/sh
# kafka-lab image: the cluster id, unregistering a broker (org.apache.kafka.tools.ClusterTool).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.ClusterTool "$@"
