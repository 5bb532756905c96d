import {describe, expect, it} from 'vitest'

import {renderTable} from './table.js'

describe('renderTable', () => {
  it('pads columns to their widest cell as a terminal shows it, two spaces apart, no trailing blanks', () => {
    expect(renderTable(['ID', 'NAME', 'NOTE'], [['1', 'lb', null], ['10', '✓ 東京', 'x']])).toBe(['ID  NAME    NOTE', '1   lb      -', '10  ✓ 東京  x'].join('\n'))
  })

  it('renders thousands of rows (arch list of a generated profile)', () => {
    const rows = Array.from({length: 8000}, (_, i) => [`a${i}`, 't2.micro', 'app-1:8080'])
    expect(renderTable(['ID', 'TYPE', 'APPS'], rows).split('\n')).toHaveLength(8001)
  })
})
