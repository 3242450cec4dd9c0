#!/bin/sh
# kafka-lab image: sends stdin lines as records (org.apache.kafka.tools.ConsoleProducer).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.ConsoleProducer "$@"
