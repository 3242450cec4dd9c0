import type { Broker } from '../broker.js';
import type { ClusterContext } from '../cluster/context.js';

/** Returned by a handler when the protocol says no response is sent (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no-response');

export interface RequestContext {
  /** The broker that received the request. */
  readonly broker: Broker;
  /** Shared cluster state: controller metadata, groups, config. */
  readonly cluster: ClusterContext;
  readonly apiKey: number;
  readonly version: number;
  readonly clientId: string | null;
  readonly clientHost: string;
  /** The listener the request came through; Metadata answers with that listener's addresses. */
  readonly listenerName: string;
}

/**
 * One API's behaviour. `request` is the decoded request body (Kafka JSON field names, first letter lower-cased);
 * the handler returns the response body (without throttle/header concerns: encoding adds defaults for absent fields).
 */
export interface ApiHandler<Req = any, Resp = any> {
  readonly apiKey: number;
  readonly name: string;
  /** The versions this handler fully implements: what ApiVersions advertises. */
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: Req, ctx: RequestContext): Resp | Promise<Resp> | typeof NO_RESPONSE | Promise<Resp | typeof NO_RESPONSE>;
}

export function defineHandler<Req = any, Resp = any>(handler: ApiHandler<Req, Resp>): ApiHandler<Req, Resp> {
  return handler;
}
