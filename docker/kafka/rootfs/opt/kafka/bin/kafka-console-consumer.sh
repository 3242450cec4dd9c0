#!/bin/sh
# kafka-lab image: prints records to stdout (org.apache.kafka.tools.consumer.ConsoleConsumer).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer "$@"
