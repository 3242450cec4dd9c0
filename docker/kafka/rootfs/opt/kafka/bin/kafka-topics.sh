#!/bin/sh
# kafka-lab image: create, list, describe, alter and delete topics (org.apache.kafka.tools.TopicCommand).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.TopicCommand "$@"
