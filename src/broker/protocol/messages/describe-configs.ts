// DescribeConfigs (key 32). Supported 0-2. Flexible from 4.
// resourceType: 2 = TOPIC, 4 = BROKER, 8 = BROKER_LOGGER. configSource (v1+): 1 DYNAMIC_TOPIC_CONFIG, 4 STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG ...
import { array, bool, int16, int32, int8, message, nullableArray, nullableString, string, struct, type Infer } from '../schema.js';

export const DescribeConfigsRequest = message({
  name: 'DescribeConfigsRequest', apiKey: 32, validVersions: '0-2', flexibleVersions: '4+',
  fields: {
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      configurationKeys: nullableArray(string()),
    })),
    includeSynonyms: bool({ versions: '1+', default: false }),
    includeDocumentation: bool({ versions: '3+', default: false }),
  },
});

export const DescribeConfigsResponse = message({
  name: 'DescribeConfigsResponse', apiKey: 32, validVersions: '0-2', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32(),
    results: array(struct({
      errorCode: int16(),
      errorMessage: nullableString(),
      resourceType: int8(),
      resourceName: string(),
      configs: array(struct({
        name: string(),
        value: nullableString(),
        readOnly: bool(),
        isDefault: bool({ versions: '0' }),
        configSource: int8({ versions: '1+', default: -1 }),
        isSensitive: bool(),
        synonyms: array(struct({ name: string(), value: nullableString(), source: int8() }), { versions: '1+' }),
        configType: int8({ versions: '3+', default: 0 }),
        documentation: nullableString({ versions: '3+' }),
      })),
    })),
  },
});
export type DescribeConfigsRequest = Infer<typeof DescribeConfigsRequest>;
export type DescribeConfigsResponse = Infer<typeof DescribeConfigsResponse>;
