import {expect, test} from 'vitest'

import {ipv4MonthCost} from './ipv4.js'

test('Given a public DB with 10 hours left in a 30-day month, Then staying on costs 10 × $0.005 and a whole month 720 × $0.005', () => {
  const now = new Date('2026-11-30T14:00:00Z')
  expect(ipv4MonthCost(true, now)).toEqual({hourlyUsd: 0.005, billedNow: true, month: '2026-11', hoursLeftInMonth: 10, restOfMonthUsd: 0.05, fullMonthUsd: 3.6})
  expect(ipv4MonthCost(false, new Date('2026-12-01T00:00:00Z'))).toMatchObject({billedNow: false, month: '2026-12', hoursLeftInMonth: 744, fullMonthUsd: 3.72})
})
