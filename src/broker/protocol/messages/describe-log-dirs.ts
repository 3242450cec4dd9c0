// DescribeLogDirs (key 35). Supported 1-4. Flexible from 2. v3 adds a top-level error code, v4 the dir's total and
// usable bytes. Null topics means every partition in the dir.
import { array, bool, int16, int32, int64, message, nullableArray, string, struct, type Infer } from '../schema.js';

export const DescribeLogDirsRequest = message({
  name: 'DescribeLogDirsRequest', apiKey: 35, validVersions: '1-4', flexibleVersions: '2+',
  fields: {
    topics: nullableArray(struct({ topic: string(), partitions: array(int32()) })),
  },
});

export const DescribeLogDirsResponse = message({
  name: 'DescribeLogDirsResponse', apiKey: 35, validVersions: '1-4', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16({ versions: '3+', default: 0 }),
    results: array(struct({
      errorCode: int16(),
      logDir: string(),
      topics: array(struct({
        name: string(),
        partitions: array(struct({
          partitionIndex: int32(),
          partitionSize: int64(),
          offsetLag: int64(),
          isFutureKey: bool(),
        })),
      })),
      totalBytes: int64({ versions: '4+', default: -1 }),
      usableBytes: int64({ versions: '4+', default: -1 }),
    })),
  },
});
export type DescribeLogDirsRequest = Infer<typeof DescribeLogDirsRequest>;
export type DescribeLogDirsResponse = Infer<typeof DescribeLogDirsResponse>;
