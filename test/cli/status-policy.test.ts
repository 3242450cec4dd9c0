/** cluster:status names a topic's cleanup.policy when it is not the default delete. */
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/status-view.js';
import type { ClusterStatus, TopicStatus } from '../../src/cluster/types.js';

const topic = (name: string, cleanupPolicy?: string): TopicStatus => ({
  name,
  internal: false,
  ...(cleanupPolicy !== undefined ? { cleanupPolicy } : {}),
  partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], underReplicated: false, offline: false, highWatermark: '5' }],
});

describe('cluster:status and cleanup.policy', () => {
  it('marks compacted topics, leaves delete (and unknown) topics plain', () => {
    const status: ClusterStatus = {
      backend: 'embedded',
      profile: 'single',
      clusterId: null,
      controller: 1,
      brokers: [{ id: 1, host: '127.0.0.1', port: 9092, up: true, controller: true }],
      topics: [topic('orders', 'delete'), topic('profiles', 'compact'), topic('events', 'compact,delete'), topic('old'), topic('kept', '')],
      groups: [],
    };
    const text = renderStatus(status).replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/^orders\s+0/m);
    expect(text).toMatch(/^profiles \(compact\)\s+0/m);
    expect(text).toMatch(/^events \(compact,delete\)\s+0/m);
    expect(text).toMatch(/^old\s+0/m);
    expect(text).toMatch(/^kept \(no cleanup\)\s+0/m);
  });
});
