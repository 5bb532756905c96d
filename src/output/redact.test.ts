import {describe, expect, it} from 'vitest'

import {redact} from './redact.js'

describe('redact', () => {
  it('masks access key ids but keeps the last four characters', () => {
    expect(redact('key AKIAIOSFODNN7EXAMPLE refused')).toBe('key ****MPLE refused')
  })

  it('masks secret keys and session tokens that follow their names', () => {
    const text = 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; "SessionToken":"FwoGZXIvYXdzEBYaDHqa0AP1"'
    const out = redact(text)
    expect(out).not.toContain('wJalrXUtnFEMI')
    expect(out).not.toContain('FwoGZXIvYXdzEBYaDHqa0AP1')
  })
})
