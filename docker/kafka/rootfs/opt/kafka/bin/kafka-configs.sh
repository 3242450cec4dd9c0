#!/bin/sh
# kafka-lab image: describe and alter dynamic configs (org.apache.kafka.tools.ConfigCommand).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.ConfigCommand "$@"
