/**
 * Request header v0/v1/v2 and response header v0/v1.
 * - Request header v1: int16 apiKey, int16 apiVersion, int32 correlationId, int16-length nullable clientId.
 * - Request header v2 (flexible versions): v1 + a tagged-field section. clientId stays an int16 string.
 * - Response header v0: int32 correlationId; v1 (flexible versions): + tagged fields. ApiVersions always uses v0.
 */
import { ProtocolError, Reader, Writer } from './primitives.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** 1 or 2 (0 only for ControlledShutdown v0, which we do not speak). */
  headerVersion: number;
  /** Offset of the body in the buffer that was read. */
  bodyOffset: number;
}

export const API_VERSIONS_KEY = 18;

/** Read a request header whose version is decided by `flexible(apiKey, apiVersion)` (true → header v2). */
export function readRequestHeader(r: Reader, flexible: (apiKey: number, apiVersion: number) => boolean): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  let headerVersion = 1;
  if (flexible(apiKey, apiVersion)) {
    r.taggedFields();
    headerVersion = 2;
  }
  return { apiKey, apiVersion, correlationId, clientId, headerVersion, bodyOffset: r.offset };
}

export function writeRequestHeader(
  w: Writer,
  h: { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null },
  headerVersion: number,
): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (headerVersion >= 1) w.nullableString(h.clientId);
  if (headerVersion >= 2) w.emptyTags();
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.emptyTags();
}

/** Read a response header; returns the correlation id. */
export function readResponseHeader(r: Reader, headerVersion: number): number {
  const correlationId = r.int32();
  if (headerVersion >= 1) r.taggedFields();
  return correlationId;
}

export function assertHeaderVersion(v: number): void {
  if (v < 0 || v > 2) throw new ProtocolError(`invalid header version ${v}`);
}
