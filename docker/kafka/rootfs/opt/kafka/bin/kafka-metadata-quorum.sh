#!/bin/sh
# kafka-lab image: the KRaft quorum: leader, voters, lag (org.apache.kafka.tools.MetadataQuorumCommand).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.MetadataQuorumCommand "$@"
