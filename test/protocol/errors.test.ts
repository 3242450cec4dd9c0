import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ErrorCode, errorName } from '../../src/broker/protocol/errors.js';

const require = createRequire(import.meta.url);
const { errorCodes } = require('kafkajs/src/protocol/error.js') as { errorCodes: { type: string; code: number }[] };

describe('error codes', () => {
  it('agree with kafkajs for every code it knows, except names Kafka has since renamed', () => {
    const renamed: Record<number, [string, string]> = {
      [-1]: ['UNKNOWN', 'UNKNOWN_SERVER_ERROR'],
      6: ['NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER'],
      14: ['GROUP_LOAD_IN_PROGRESS', 'COORDINATOR_LOAD_IN_PROGRESS'],
      15: ['GROUP_COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_NOT_AVAILABLE'],
      16: ['NOT_COORDINATOR_FOR_GROUP', 'NOT_COORDINATOR'],
    };
    expect(errorCodes.length).toBeGreaterThan(80);
    for (const { type, code } of errorCodes) {
      if (renamed[code]) expect([type, errorName(code)]).toEqual(renamed[code]);
      else expect(errorName(code)).toBe(type);
    }
  });
  it('covers 0..120 without gaps and has unique codes', () => {
    const codes = Object.values(ErrorCode) as number[];
    expect(new Set(codes).size).toBe(codes.length);
    for (let c = -1; c <= 120; c++) expect(errorName(c)).not.toMatch(/^UNKNOWN_ERROR_/);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.TOPIC_ALREADY_EXISTS).toBe(36);
    expect(errorName(9999)).toBe('UNKNOWN_ERROR_9999');
  });
});
