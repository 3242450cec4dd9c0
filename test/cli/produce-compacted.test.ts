/**
 * `yarn produce` on a compacted topic: a line without a key is refused by Kafka (INVALID_RECORD), and the script says
 * so in one line with what to do; a keyed line goes through. A child process against an embedded cluster.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { startTestCluster, type TestCluster } from '../helpers/embedded.js';

const ROOT = join(import.meta.dirname, '..', '..');
let t: TestCluster;

beforeAll(async () => {
  t = await startTestCluster({ brokers: 1 });
  const admin = t.kafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: 'profiles', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
  await admin.disconnect();
});
afterAll(async () => t?.destroy());

function produce(input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'produce.ts'), 'profiles', '--brokers', t.cluster.bootstrapServers.join(',')], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', KAFKA_LAB_DEBUG: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('yarn produce on a compacted topic', () => {
  it('a message without a key gets one line saying why and what to do; a keyed one is sent', async () => {
    const { code, stdout } = await produce('hello\nalice=alice@example.com\n');
    const lines = stdout.trim().split('\n');
    expect(lines).toContain(
      'send refused: profiles is a compacted topic (cleanup.policy=compact) and Kafka refuses a message without a key there ' +
        '(INVALID_RECORD): send key=value lines (the newest value per key is what compaction keeps)',
    );
    expect(lines.filter((l) => l.startsWith('send '))).toHaveLength(1);
    expect(lines).toContain('→ partition 0 offset 0 key alice');
    expect(lines.at(-1)).toBe('sent 2, acknowledged 1, failed 1; disconnected');
    expect(code).toBe(1);
  });
});
