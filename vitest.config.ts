import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'commands/**/*.test.ts', 'test/**/*.test.ts'],
    // One private D-Bus session + gnome-keyring for the whole run.
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup-env.ts'],
    // Processes, not threads: keytar is a native module reading the real
    // process environment, and tests spawn peers (moto, sshd, nginx).
    pool: 'forks',
    // CI machines have 2 cores; each integration file starts its own peers.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
})
