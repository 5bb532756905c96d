import stringWidth from 'string-width'

/**
 * A plain, borderless table for people (`--json` is for scripts): a header
 * row, then one line per row, columns padded to their widest cell (as shown
 * on a terminal: wide characters count double), two spaces apart, trailing
 * spaces trimmed. Linear in the number of cells.
 */
export function renderTable(head: string[], rows: Array<Array<string | number | null>>): string {
  // An empty head: rows only, aligned the same way.
  const cells = [...(head.length > 0 ? [head] : []), ...rows.map((row) => row.map((c) => (c === null ? '-' : String(c))))]
  const widths: number[] = []
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))))
  return cells
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - stringWidth(cell) + 2))).join('').trimEnd())
    .join('\n')
}
