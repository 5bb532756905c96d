import {describe, expect, test} from 'vitest'

import {within} from './within.js'

describe('within', () => {
  test('gives the promise\'s value, or its rejection, when it settles first', async () => {
    await expect(within(Promise.resolve('done'), 60_000, 'late')).resolves.toBe('done')
    await expect(within(Promise.reject(new Error('lost')), 60_000, 'late')).rejects.toThrow('lost')
  })

  test('gives the fallback once the time has passed for a promise that never settles', async () => {
    await expect(within(new Promise(() => {}), 10, 'late')).resolves.toBe('late')
  })
})
