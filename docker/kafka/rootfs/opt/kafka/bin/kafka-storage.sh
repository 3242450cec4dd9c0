#!/bin/sh
# kafka-lab image: formats a log directory for KRaft, prints a random cluster id (kafka.tools.StorageTool).
exec /opt/kafka/bin/kafka-run-class.sh kafka.tools.StorageTool "$@"
