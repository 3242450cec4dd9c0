/** The ScenarioContext a scenario runs with: one backend, one client, and what it observes. */
import { setupAdmin } from './admin.js';
import type { RunningCluster } from './backends.js';
import type { Answer, ClientName, Command, Driver, Observation, ScenarioContext, Timing } from './types.js';

export interface Recording {
  ctx: ScenarioContext;
  observations: Observation[];
  close(): Promise<void>;
}

export function recordingContext(scenario: string, client: ClientName, running: RunningCluster, driver: Driver, log: (line: string) => void): Recording {
  const observations: Observation[] = [];
  const admin = setupAdmin(() => running.bootstrap());
  const timing = (ms: number, toleranceMs: number): Timing => ({ ms, toleranceMs });
  const ctx: ScenarioContext = {
    backend: running.backend,
    cluster: running.cluster,
    get bootstrap() {
      return running.bootstrap();
    },
    client,
    driver,
    admin,
    topic: (suffix = '') => `${scenario}-${client}${suffix ? `-${suffix}` : ''}`.replace(/[^a-zA-Z0-9._-]/g, '_'),
    observe: (step, value) => void observations.push({ step, value }),
    timing,
    async run(step: string, command: Command, options: { toleranceMs?: number; keep?: (a: Answer) => unknown } = {}) {
      const cannot = driver.cannot(command);
      if (cannot) {
        // the same on both backends, so it compares equal; the report lists it
        observations.push({ step, value: { cannot } });
        return { error: `cannot: ${cannot}` };
      }
      const started = performance.now();
      const answer = await driver.send(command);
      const ms = performance.now() - started;
      const kept = options.keep ? options.keep(answer) : answer;
      observations.push({ step, value: options.toleranceMs !== undefined ? { answer: kept, took: timing(ms, options.toleranceMs) } : kept });
      return answer;
    },
    log,
  };
  return { ctx, observations, close: () => admin.close() };
}
