import {BugError} from '../errors.js'
import type {Block, Directive} from './parser.js'

/** Replace `text.slice(start, end)` with `text`. */
export interface Edit {
  start: number
  end: number
  text: string
}

/** The trailing comment that marks a line fleet added. */
export const FLEET_MARK = '# fleet'
/**
 * Marks the last of the lines fleet put inside a block written on one line
 * (`location / { proxy_pass ...; }`): removing it also joins the rest of that
 * line back, so the original bytes return.
 */
export const FLEET_JOIN_MARK = '# fleet:join'

export function isFleetLine(directive: Directive): boolean {
  const mark = directive.comment?.raw.trim()
  return mark === FLEET_MARK || mark === FLEET_JOIN_MARK
}

/**
 * Splices edits into `text`. Deletions that touch or overlap are merged
 * (removing two adjacent fleet lines can claim the same line break); any
 * other overlap is a bug in the caller.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end)
  const merged: Edit[] = []
  for (const edit of sorted) {
    const last = merged.at(-1)
    if (last && edit.start < last.end) {
      if (last.text !== '' || edit.text !== '') throw new BugError('NginxEditOverlap', 'two nginx edits overlap')
      last.end = Math.max(last.end, edit.end)
    } else {
      merged.push({...edit})
    }
  }
  let out = ''
  let at = 0
  for (const edit of merged) {
    out += text.slice(at, edit.start) + edit.text
    at = edit.end
  }
  return out + text.slice(at)
}

export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1
}

/** Offset where the line holding `pos` ends, before its `\r\n` or `\n`. */
export function lineEnd(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos)
  if (nl === -1) return text.length
  return text[nl - 1] === '\r' && nl - 1 >= pos ? nl - 1 : nl
}

/** The line break at `end` (as returned by lineEnd), or '' at the end of a file without one. */
export function breakAt(text: string, end: number): string {
  if (text.startsWith('\r\n', end)) return '\r\n'
  return text[end] === '\n' ? '\n' : ''
}

/** The file's usual line break: CRLF when most lines end so. */
export function fileBreak(text: string): string {
  const crlf = text.split('\r\n').length - 1
  const lf = text.split('\n').length - 1 - crlf
  return crlf > lf ? '\r\n' : '\n'
}

/** The break ending the line at `pos`, else the file's usual one. */
export function breakNear(text: string, pos: number): string {
  return breakAt(text, lineEnd(text, pos)) || fileBreak(text)
}

/** The spaces and tabs that start the line holding `pos`. */
export function indentOf(text: string, pos: number): string {
  const start = lineStart(text, pos)
  return /^[ \t]*/.exec(text.slice(start, pos))![0]
}

/** True when only spaces and tabs stand before `pos` on its line. */
export function startsLine(text: string, pos: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, pos), pos))
}

/** One level of indentation as the file writes it: the most common step from a block to its children. */
export function indentUnit(text: string, root: Block): string {
  const steps = new Map<string, number>()
  const visit = (block: Block): void => {
    const outer = block.owner && startsLine(text, block.owner.start) ? indentOf(text, block.owner.start) : block.owner ? null : ''
    for (const child of block.children) {
      if (outer !== null && startsLine(text, child.start)) {
        const inner = indentOf(text, child.start)
        if (inner.length > outer.length && inner.startsWith(outer)) {
          const step = inner.slice(outer.length)
          steps.set(step, (steps.get(step) ?? 0) + 1)
        }
      }
      if (child.block) visit(child.block)
    }
  }
  visit(root)
  const best = [...steps].sort((a, b) => b[1] - a[1])[0]
  return best ? best[0] : '    '
}

/** The indentation a new line inside `block` should get. */
export function childIndent(text: string, block: Block, root: Block): string {
  const aligned = block.children.find((c) => startsLine(text, c.start))
  if (aligned) return indentOf(text, aligned.start)
  if (!block.owner) return ''
  return indentOf(text, block.owner.start) + indentUnit(text, root)
}

/**
 * Inserts whole lines after the line holding `pos` (a directive's end or a
 * block's `{`). When more stands on that line (a block written on one line),
 * the new lines go in right there, the rest of the line moves to a line of
 * its own (a trailing comment must not swallow it), and the last new line is
 * marked to join it back when fleet removes its lines.
 */
export function insertLinesAfter(text: string, pos: number, lines: readonly string[], indent: string): Edit {
  const end = lineEnd(text, pos)
  const rest = text.slice(pos, end)
  const br = breakNear(text, pos)
  if (/^[ \t]*(#.*)?$/.test(rest)) {
    const own = breakAt(text, end)
    if (own) return {start: end + own.length, end: end + own.length, text: lines.map((l) => indent + l + own).join('')}
    return {start: end, end, text: lines.map((l) => br + indent + l).join('')}
  }
  const at = pos + /^[ \t]*/.exec(rest)![0].length
  const joined = lines.map((l, i) => (i === lines.length - 1 && l.endsWith(FLEET_MARK) ? l.slice(0, -FLEET_MARK.length) + FLEET_JOIN_MARK : l))
  return {start: at, end: at, text: joined.map((l) => br + indent + l).join('') + br + indentOf(text, pos)}
}

/** Inserts whole lines before the line holding `pos` (a directive's start). */
export function insertLinesBefore(text: string, pos: number, lines: readonly string[]): Edit {
  const br = breakNear(text, pos)
  const indent = indentOf(text, pos)
  if (startsLine(text, pos)) {
    const start = lineStart(text, pos)
    return {start, end: start, text: lines.map((l) => indent + l + br).join('')}
  }
  return {start: pos, end: pos, text: lines.map((l) => l + br + indent).join('')}
}

/** Deletes a directive fleet added, with its mark and, when it had the line alone, the line. */
export function removeLine(text: string, directive: Directive): Edit {
  const last = directive.comment ? directive.comment.end : directive.end
  const from = lineStart(text, directive.start)
  if (directive.comment?.raw.trim() === FLEET_JOIN_MARK && from > 0 && startsLine(text, directive.start)) {
    // Undo insertLinesAfter's split: from the break before the first fleet
    // line of this run to the indentation put before the rest of the line.
    let first = from
    while (first > 0) {
      const previous = lineStart(text, first - 1)
      if (!/# fleet[ \t]*\r?\n$/.test(text.slice(previous, first))) break
      first = previous
    }
    const end = lineEnd(text, last)
    const br = breakAt(text, end)
    const after = br ? end + br.length + /^[ \t]*/.exec(text.slice(end + br.length))![0].length : end
    return {start: text[first - 2] === '\r' ? first - 2 : first - 1, end: after, text: ''}
  }
  return removeSpan(text, directive.start, last)
}

/** Deletes `[start, end)`, taking its whole line(s) when nothing else is on them. */
export function removeSpan(text: string, start: number, end: number): Edit {
  const from = lineStart(text, start)
  const to = lineEnd(text, end)
  const before = text.slice(from, start)
  const after = text.slice(end, to)
  if (/^[ \t]*$/.test(before) && /^[ \t]*$/.test(after)) {
    const br = breakAt(text, to)
    if (br) return {start: from, end: to + br.length, text: ''}
    if (from === 0) return {start: 0, end: to, text: ''}
    // Last line of a file without a final break: take the break before it.
    return {start: text[from - 2] === '\r' ? from - 2 : from - 1, end: to, text: ''}
  }
  const spaces = /[ \t]*$/.exec(before)![0].length
  return {start: start - spaces, end, text: ''}
}

/** An nginx argument written so that nginx reads back exactly `value`. */
export function quoteArg(value: string): string {
  if (value !== '' && !/[\s;{}#"'\\]/.test(value)) return value
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}
