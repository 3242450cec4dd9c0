import type { Broker } from '../broker.js';
import type { ClusterContext } from '../cluster/context.js';
import { handlers, supportedRange } from '../handlers/index.js';
import { NO_RESPONSE, type RequestContext } from '../handlers/types.js';
import { Reader, apiVersionsUnsupportedResponse, decodeRequest, decodeRequestHeader, encodeResponse } from '../protocol/index.js';

const API_VERSIONS = 18;

/**
 * From a request frame to a response frame: header, version check, decode, the API's handler, encode.
 * Anything the protocol cannot answer (an unknown API key, an unsupported version of any API but ApiVersions, a body
 * that does not decode) closes the connection, as Kafka does. An ApiVersions request of a version we do not know
 * gets UNSUPPORTED_VERSION in the v0 format with our range, so the client can retry.
 */
export function createFrameProcessor(broker: Broker, cluster: ClusterContext, listenerName: string) {
  return async (frame: Buffer, connection: { clientHost: string }): Promise<Buffer | null> => {
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
    const response = await handler.handle(request, ctx);
    if (response === NO_RESPONSE) return null;
    return encodeResponse(apiKey, apiVersion, correlationId, response);
  };
}
