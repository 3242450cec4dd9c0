import type { Broker } from '../broker.js';
import type { ClusterContext } from '../cluster/context.js';
import { handlers, supportedRange } from '../handlers/index.js';
import { NO_RESPONSE, type RequestContext } from '../handlers/types.js';
import { ErrorCode } from '../protocol/errors.js';
import { Reader, apiVersionsUnsupportedResponse, decodeRequest, decodeRequestHeader, encodeResponse } from '../protocol/index.js';

const API_VERSIONS = 18;
const PRODUCE = 0;

/**
 * From a request frame to a response frame: header, version check, decode, the API's handler, encode.
 * Anything the protocol cannot answer (an unknown API key, an unsupported version of any API but ApiVersions, a body
 * that does not decode) closes the connection, as Kafka does. A handler that throws gets the request answered with
 * UNKNOWN_SERVER_ERROR, as Kafka's KafkaApis does for an unexpected exception; the connection stays. An ApiVersions request of a version we do not know
 * gets UNSUPPORTED_VERSION in the v0 format with our range, so the client can retry.
 * A broker whose process runs but which has not registered with an active controller yet (it started while the
 * quorum had no majority) serves nothing: Kafka's brokers only process requests once registered and unfenced.
 */
export function createFrameProcessor(broker: Broker, cluster: ClusterContext, listenerName: string) {
  return async (frame: Buffer, connection: { clientHost: string }): Promise<Buffer | null> => {
    if (!cluster.controller.isServing(broker.id)) throw new Error(`broker ${broker.id} has not registered with an active controller yet`);
    const reader = new Reader(frame);
    const header = decodeRequestHeader(reader);
    const { apiKey, apiVersion, correlationId } = header;
    const handler = handlers.get(apiKey);
    const range = supportedRange(apiKey);
    if (!handler || !range) throw new Error(`unknown API key ${apiKey}`);
    if (apiVersion < range.minVersion || apiVersion > range.maxVersion) {
      if (apiKey === API_VERSIONS) return apiVersionsUnsupportedResponse(correlationId, range.maxVersion);
      throw new Error(`unsupported version ${apiVersion} of ${handler.name} (we speak ${range.minVersion}-${range.maxVersion})`);
    }
    const request = decodeRequest(apiKey, apiVersion, reader);
    const ctx: RequestContext = {
      broker,
      cluster,
      apiKey,
      version: apiVersion,
      clientId: header.clientId,
      clientHost: connection.clientHost,
      listenerName,
    };
    let response: unknown;
    try {
      response = await handler.handle(request, ctx);
    } catch (error) {
      cluster.log(`broker ${broker.id}: ${handler.name} v${apiVersion} failed: ${(error as Error).stack ?? String(error)}`);
      // acks=0 has no response to carry the error: Kafka closes the connection instead.
      if (apiKey === PRODUCE && (request as { acks?: number }).acks === 0) throw error;
      response = handler.errorResponse?.(request, ErrorCode.UNKNOWN_SERVER_ERROR) ?? { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
    }
    if (response === NO_RESPONSE) return null;
    return encodeResponse(apiKey, apiVersion, correlationId, response);
  };
}
