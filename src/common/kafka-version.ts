/**
 * The one Apache Kafka version of the whole kit: the jvm backend's runtime, the docker backend's image tag, the image
 * the kit builds locally, the GitHub workflow and the docs. Tests keep every other copy (compose files, workflow,
 * README) equal to these.
 */
export const KAFKA_VERSION = '4.4.0';
export const SCALA_VERSION = '2.13';

/** The official image users pull (docker backend default; KAFKA_IMAGE overrides it). */
export const OFFICIAL_KAFKA_IMAGE = `apache/kafka:${KAFKA_VERSION}`;

/** The same Kafka, built on this machine from the jvm backend's runtime (`yarn docker:image`), for machines that cannot pull. */
export const LOCAL_KAFKA_IMAGE = `kafka-lab/kafka:${KAFKA_VERSION}`;
