/**
 * Just enough XML for the slow-AWS proxy to edit moto's query-protocol
 * answers in place: find elements by path, read a child's text, and splice
 * new text over element spans. moto writes plain, comment-free XML, so tags
 * are found with a regex and nesting by counting; every byte outside an edit
 * is kept as moto sent it.
 */

export interface Span {
  name: string
  /** Offsets of `<name` and just past `</name>` (or `/>`). */
  start: number
  end: number
  /** Offsets of the content between the tags (equal for `<name/>`). */
  innerStart: number
  innerEnd: number
}

export interface Edit {
  start: number
  end: number
  text: string
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g

/** The elements directly inside `[from, to)` of `xml`. */
export function children(xml: string, from = 0, to = xml.length): Span[] {
  const found: Span[] = []
  let depth = 0
  let open: {name: string; start: number; innerStart: number} | undefined
  TAG.lastIndex = from
  for (let m = TAG.exec(xml); m && m.index < to; m = TAG.exec(xml)) {
    const [whole, closing, name = '', selfClosing] = m
    const after = m.index + whole.length
    if (closing) {
      depth--
      if (depth === 0 && open) found.push({...open, end: after, innerEnd: m.index})
    } else if (selfClosing) {
      if (depth === 0) found.push({name, start: m.index, end: after, innerStart: after, innerEnd: after})
    } else {
      if (depth === 0) open = {name, start: m.index, innerStart: after}
      depth++
    }
  }
  return found
}

/** Every element reached from the document by `path` (element names, outermost first). */
export function select(xml: string, path: string[], within?: Span): Span[] {
  let level = children(xml, within?.innerStart ?? 0, within?.innerEnd ?? xml.length)
  for (const [index, name] of path.entries()) {
    const matching = level.filter((s) => s.name === name)
    if (index === path.length - 1) return matching
    level = matching.flatMap((s) => children(xml, s.innerStart, s.innerEnd))
  }
  return level
}

/** The first direct child of `span` named `name`. */
export function child(xml: string, span: Span, name: string): Span | undefined {
  return children(xml, span.innerStart, span.innerEnd).find((s) => s.name === name)
}

/** The text of the child at `path` below `span` (e.g. `['placement', 'availabilityZone']`). */
export function textAt(xml: string, span: Span, path: string[]): string | undefined {
  const [found] = select(xml, path, span)
  return found ? unescape(xml.slice(found.innerStart, found.innerEnd)) : undefined
}

/** `xml` with each edit's span replaced by its text (edits must not overlap). */
export function applyEdits(xml: string, edits: Edit[]): string {
  let out = xml
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}

/** Text content escaped (quotes stay: AWS sends them raw in text, e.g. `The instance 'i-…'`). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
}
