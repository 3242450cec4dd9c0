import { ErrorCode } from '../protocol/errors.js';
import { advertisedVersions } from './index.js';
import { defineHandler } from './types.js';

/**
 * ApiVersions v0-3: exactly the API versions the handlers implement, the same on every broker (kafkajs reads them from
 * the seed broker only). A version above ours never reaches this handler: the router answers it in the v0 format
 * with UNSUPPORTED_VERSION, as Kafka does, so the client retries with a version we speak.
 */
export const apiVersions = defineHandler({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  handle() {
    return { errorCode: ErrorCode.NONE, apiKeys: advertisedVersions(), throttleTimeMs: 0 };
  },
});
