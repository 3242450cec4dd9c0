// ApiVersions (key 18). Supported 0-3. v3 is flexible (request header v2), but the RESPONSE header is always v0.
import { array, int16, int32, int64, message, string, struct, type Infer } from '../schema.js';

export const ApiVersionsRequest = message({
  name: 'ApiVersionsRequest', apiKey: 18, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    clientSoftwareName: string({ versions: '3+' }),
    clientSoftwareVersion: string({ versions: '3+' }),
  },
});

export const ApiVersionsResponse = message({
  name: 'ApiVersionsResponse', apiKey: 18, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    errorCode: int16(),
    apiKeys: array(struct({ apiKey: int16(), minVersion: int16(), maxVersion: int16() })),
    throttleTimeMs: int32({ versions: '1+' }),
    supportedFeatures: array(struct({ name: string(), minVersion: int16(), maxVersion: int16() }), { versions: '3+', tag: 0, taggedVersions: '3+' }),
    finalizedFeaturesEpoch: int64({ versions: '3+', tag: 1, taggedVersions: '3+', default: -1 }),
    finalizedFeatures: array(struct({ name: string(), maxVersionLevel: int16(), minVersionLevel: int16() }), { versions: '3+', tag: 2, taggedVersions: '3+' }),
  },
});
export type ApiVersionsRequest = Infer<typeof ApiVersionsRequest>;
export type ApiVersionsResponse = Infer<typeof ApiVersionsResponse>;
