import { ErrorCode } from '../protocol/errors.js';
import { randomLiveBroker } from './metadata.js';
import { defineHandler } from './types.js';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
/**
 * Without an authorizer every cluster operation is allowed: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION,
 * DESCRIBE_CONFIGS, ALTER_CONFIGS and IDEMPOTENT_WRITE as a bit field (what Kafka 4.4.0 answers without ACLs).
 */
const ALL_CLUSTER_OPERATIONS = 8096;
const NOT_REQUESTED = -2147483648;

/**
 * DescribeCluster v0-2: the cluster id, the live brokers (v2 with includeFencedBrokers: the fenced ones too, marked
 * isFenced) and, as in Metadata, a random live broker as controllerId (KRaft does not expose the active controller
 * this way; DescribeQuorum does). The embedded brokers have no controller listener, so asking a broker listener for
 * controllers (v1 endpointType 2) gets Kafka's MISMATCHED_ENDPOINT_TYPE.
 */
export const describeCluster = defineHandler({
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { cluster, listenerName }) {
    const endpointType: number = request.endpointType ?? ENDPOINT_BROKERS;
    const refuse = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0, errorCode, errorMessage, endpointType: ENDPOINT_BROKERS, clusterId: '', controllerId: -1, brokers: [],
    });
    if (endpointType === ENDPOINT_CONTROLLERS) {
      return refuse(ErrorCode.MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER');
    }
    if (endpointType !== ENDPOINT_BROKERS) return refuse(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${endpointType}`);
    const brokers = [...cluster.controller.registrations.values()]
      .filter((b) => !b.fenced || request.includeFencedBrokers)
      .sort((a, b) => a.id - b.id)
      .map((b) => ({ brokerId: b.id, ...cluster.controller.endpointFor(b.id, listenerName)!, rack: null, isFenced: b.fenced }));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ENDPOINT_BROKERS,
      clusterId: cluster.metadata.clusterId,
      controllerId: randomLiveBroker(cluster),
      brokers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : NOT_REQUESTED,
    };
  },
});
