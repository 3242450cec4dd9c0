#!/bin/sh
# kafka-lab stand-in for the apache/kafka tool of the same name (see ../../kafka-tools.mjs).
exec /usr/bin/node /opt/kafka-lab/docker/standin/kafka-tools.mjs kafka-cluster "$@"
