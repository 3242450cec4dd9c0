import type { Broker } from '../broker.js';
import type { ClusterContext } from '../cluster/context.js';
import type { Input, RequestOf, ResponseOf, SupportedApiKey } from '../protocol/index.js';

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

/** A response body as a handler gives it: the schema's fields, any of them left out (encoded as its default). */
export type ResponseBody<K extends SupportedApiKey> = Input<ResponseOf<K>>;

/**
 * One API's behaviour, typed by its schema: `request` is the decoded request body (Kafka JSON field names, first
 * letter lower-cased), the result is the response body (absent fields are encoded with their defaults).
 */
export interface ApiHandler<K extends SupportedApiKey = SupportedApiKey, R = ResponseBody<K> | typeof NO_RESPONSE> {
  readonly apiKey: K;
  readonly name: string;
  /** The versions this handler fully implements: what ApiVersions advertises. */
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: RequestOf<K>, ctx: RequestContext): R | Promise<R>;
  /**
   * The answer when `handle` threw (Kafka's AbstractRequest.getErrorResponse): every partition asked about gets the
   * error. Without it the router answers the response's top-level errorCode and defaults for the rest.
   */
  errorResponse?(request: RequestOf<K>, errorCode: number): ResponseBody<K>;
}

/** The field paths of `T` that the schema shape `S` does not have ('' when there are none). */
type UnknownFields<T, S, Path extends string = ''> = unknown extends T
  ? never // any / unknown: nothing to check
  : T extends Buffer | string | number | boolean | null | undefined
    ? never
    : T extends readonly (infer E)[]
      ? UnknownFields<E, NonNullable<S> extends readonly (infer SE)[] ? SE : never, `${Path}[]`>
      : T extends object
        ? {
            [F in keyof T & string]: F extends keyof NonNullable<S>
              ? UnknownFields<T[F], NonNullable<NonNullable<S>[F]>, `${Path}.${F}`>
              : `${Path}.${F}`;
          }[keyof T & string]
        : never;

type Body<R> = Exclude<Awaited<R>, typeof NO_RESPONSE>;

/**
 * A handler keyed by its API: the request type comes from that API's request schema, and every field of what it
 * returns must exist in the response schema — a misspelled one is a compile error naming its path.
 */
export function defineHandler<K extends SupportedApiKey, R extends ResponseBody<K> | typeof NO_RESPONSE>(
  handler: ApiHandler<K, R> & ([UnknownFields<Body<R>, ResponseBody<K>>] extends [never] ? unknown : { notInTheResponseSchema: UnknownFields<Body<R>, ResponseBody<K>> }),
): ApiHandler<K> {
  return handler as ApiHandler<K>;
}

/**
 * A handler as the router holds it, by api key only: the router decodes a request with the schema of the key it read
 * from the header, so request and response types are known per key but not statically at that point.
 */
export interface RoutedHandler {
  readonly apiKey: SupportedApiKey;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: unknown, ctx: RequestContext): unknown;
  errorResponse?(request: unknown, errorCode: number): unknown;
}

/** Erases a typed handler's key for the routing table (see RoutedHandler). */
export const routed = <K extends SupportedApiKey>(handler: ApiHandler<K>): RoutedHandler => handler as unknown as RoutedHandler;
