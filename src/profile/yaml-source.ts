import {type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit} from 'yaml'

/** 1-based, as editors count. */
export interface Position {
  line: number
  col: number
}

export interface YamlError extends Position {
  message: string
}

/**
 * A profile's YAML text kept with its syntax tree, so that a problem found
 * in the parsed value can be pointed at in the file.
 */
export class YamlSource {
  readonly errors: YamlError[]
  readonly value: unknown
  private readonly doc: Document
  private readonly counter = new LineCounter()

  constructor(text: string) {
    // YAML 1.2 (the default) keeps `on:`, `yes` and `no` strings, which the
    // `nginx.on` key relies on; duplicate keys are errors. Merge keys
    // (`<<: *common`) let accounts share their ssh and externalId settings.
    this.doc = parseDocument(text, {lineCounter: this.counter, uniqueKeys: true, prettyErrors: true, merge: true})
    this.errors = this.doc.errors.map((e) => ({
      line: e.linePos?.[0].line ?? 1,
      col: e.linePos?.[0].col ?? 1,
      // prettyErrors appends " at line L, column C:" and a code excerpt.
      message: e.message.split(/ at line \d+, column \d+/)[0] ?? e.message,
    }))
    this.value = this.errors.length === 0 ? this.expand() : undefined
  }

  /** The plain value; an alias bomb (aliases of aliases, exponentially many) is a located error, not a hang or a crash. */
  private expand(): unknown {
    try {
      return this.doc.toJS({maxAliasCount: 100})
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error
      let first = 0
      visit(this.doc, {
        Alias: (_key, node) => {
          first = node.range?.[0] ?? 0
          return visit.BREAK
        },
      })
      this.errors.push({...this.counter.linePos(first), message: 'too many alias expansions (over 100): aliases of aliases expand exponentially'})
      return undefined
    }
  }

  /**
   * Where the thing at `path` is written. `key` points at the key itself
   * (an unknown key); `value` at a scalar value, or at the key that holds a
   * map or list. A path that leads nowhere (a missing key) points at the
   * deepest part that exists.
   */
  locate(path: readonly PropertyKey[], want: 'key' | 'value' = 'value'): Position {
    const found = this.walk(path)
    const scalarValue = found.complete && found.node !== null && (isScalar(found.node) || isAlias(found.node))
    const target = want === 'value' && scalarValue ? found.node : (found.keyNode ?? found.node)
    const offset = target?.range?.[0] ?? 0
    return this.counter.linePos(offset)
  }

  /** The keys of the map at `path` in file order (JS objects reorder numeric keys). */
  keysInOrder(path: readonly PropertyKey[]): string[] {
    const {node, complete} = this.walk(path)
    if (!complete || !isMap(node)) return []
    return node.items.map((pair) => keyString(pair.key))
  }

  private walk(path: readonly PropertyKey[]): {node: Node | null; keyNode: Node | null; complete: boolean} {
    let node = this.deref(this.doc.contents)
    let keyNode: Node | null = null
    for (const [i, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((p) => keyString(p.key) === String(segment))
        if (!pair) return {node, keyNode, complete: false}
        keyNode = pair.key as Node
        node = this.deref(pair.value as Node | null)
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined
        if (item === undefined) return {node, keyNode, complete: false}
        keyNode = null
        node = this.deref(item)
      } else {
        return {node, keyNode, complete: false}
      }
      // `key:` with nothing after it: point at the key.
      if (node === null) return {node: keyNode, keyNode, complete: i === path.length - 1}
    }
    return {node, keyNode, complete: true}
  }

  private deref(node: Node | null | undefined): Node | null {
    if (node && isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? node
    return node ?? null
  }
}

function keyString(key: unknown): string {
  if (isScalar(key)) return String(key.value)
  return String(key)
}
