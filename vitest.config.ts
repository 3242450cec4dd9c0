import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real sockets and real brokers: generous limits instead of timing assertions.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
