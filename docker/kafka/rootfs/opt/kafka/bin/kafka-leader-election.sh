#!/bin/sh
# kafka-lab image: preferred or unclean leader elections (org.apache.kafka.tools.LeaderElectionCommand).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.LeaderElectionCommand "$@"
