#!/bin/sh
# kafka-lab image: consumer groups: members, offsets, lag, offset resets (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
