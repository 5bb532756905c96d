import {describe, expect, test} from 'vitest'

import {editDistance, nearest} from './suggest.js'

describe('nearest', () => {
  test('finds typos, swaps included', () => {
    expect(editDistance('regoin', 'region')).toBe(1)
    expect(nearest('regoin', ['region', 'roleArn', 'accountId'])).toBe('region')
    expect(nearest('acountId', ['region', 'accountId'])).toBe('accountId')
    expect(nearest('RoleArn', ['roleArn'])).toBe('roleArn')
  })

  test('suggests nothing when nothing is close', () => {
    expect(nearest('database', ['region', 'hub', 'accounts'])).toBeUndefined()
  })
})
