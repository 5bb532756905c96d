/**
 * vitest globalSetup: one private D-Bus session and gnome-keyring-daemon for
 * the whole run (see keyring.ts). Fails the run when they cannot start.
 */
import type {TestProject} from 'vitest/node'

import {startKeyring} from './keyring.ts'
import {containProcessTree} from './process-tree.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** DBUS_SESSION_BUS_ADDRESS of the run's private bus with a test keyring on it. */
    dbusSessionBusAddress: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The keyring's daemons end with the run, even a run that is killed.
  containProcessTree()
  const keyring = await startKeyring()
  // Workers are forked after this point and inherit the variable; the
  // setupFile sets it again from inject() in case a pool does not.
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress
  project.provide('dbusSessionBusAddress', keyring.busAddress)
  return async () => {
    await keyring.stop()
  }
}
