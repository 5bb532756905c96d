// The configuration of the vitest run that test/harness-hosts.test.ts kills
// mid-file: the suite's own set-up (keyring, the worker's cgroup), one probe.
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/harness/probes/*.probe.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup-env.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
})
