import {describe, expect, test} from 'vitest'

import {EC2_PRICES_AS_OF, hourlyPriceUsd, PRICED_REGIONS, UNCONFIRMED} from './ec2-prices.js'

const sizes = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge']
const families = ['t2', 't3', 't3a', 't4g']

describe('the static EC2 price table', () => {
  test('Given the story\'s regions, When looking up every t2/t3/t3a/t4g size, m5.large and c5.large, Then each has a price', () => {
    expect(PRICED_REGIONS).toEqual(expect.arrayContaining(['ap-northeast-2', 'us-east-1']))
    for (const region of ['ap-northeast-2', 'us-east-1']) {
      for (const type of [...families.flatMap((f) => sizes.map((s) => `${f}.${s}`)), 'm5.large', 'c5.large']) {
        expect(hourlyPriceUsd(region, type), `${region} ${type}`).toBeGreaterThan(0)
      }
    }
  })

  test('Given a burstable family, When going one size up, Then the price doubles (within 2%: AWS rounds)', () => {
    for (const region of PRICED_REGIONS) {
      for (const family of families) {
        for (let i = 1; i < sizes.length; i++) {
          const small = hourlyPriceUsd(region, `${family}.${sizes[i - 1]}`)!
          const big = hourlyPriceUsd(region, `${family}.${sizes[i]}`)!
          expect(Math.abs(big / (2 * small) - 1), `${region} ${family}.${sizes[i]}`).toBeLessThanOrEqual(0.02)
        }
      }
    }
  })

  test('Given the story\'s LB types, When priced in Seoul, Then they match the published figures', () => {
    expect(hourlyPriceUsd('ap-northeast-2', 't2.micro')).toBe(0.0144)
    expect(hourlyPriceUsd('ap-northeast-2', 't2.medium')).toBe(0.0576)
    expect(hourlyPriceUsd('us-east-1', 't2.medium')).toBe(0.0464)
  })

  test('Given a type or region not in the table, When priced, Then null (price unknown)', () => {
    expect(hourlyPriceUsd('ap-northeast-2', 'm7i.large')).toBeNull()
    expect(hourlyPriceUsd('eu-west-1', 't2.micro')).toBeNull()
  })

  test('Given the table, Then it is dated and its unconfirmed figures are all in it', () => {
    expect(EC2_PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    for (const [region, types] of Object.entries(UNCONFIRMED)) for (const t of types) expect(hourlyPriceUsd(region, t)).not.toBeNull()
  })
})
