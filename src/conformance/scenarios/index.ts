/** Every scenario, in the order a run takes them (the cheap ones first). */
import type { Scenario } from '../types.js';
import { badBatches } from './bad-records.js';
import { transactionFailover, transactionTimeout, transactions, transactionsAcrossClients } from './transactions.js';
import { codecs, leaderEpochScenario, produceConsume } from './basics.js';
import { failoverTiming, quorumLost } from './failover.js';
import { coordinatorFailover, kip848, staticMembership } from './groups.js';
import { hwUnderMinIsr } from './min-isr.js';
import { apiVersions, controllerAsSeen, fetchWaits } from './protocol.js';

export const SCENARIOS: Scenario[] = [
  produceConsume,
  codecs,
  apiVersions,
  controllerAsSeen,
  fetchWaits,
  badBatches,
  transactions,
  transactionTimeout,
  transactionsAcrossClients,
  transactionFailover,
  leaderEpochScenario,
  staticMembership,
  kip848,
  hwUnderMinIsr,
  failoverTiming,
  coordinatorFailover,
  quorumLost,
];
