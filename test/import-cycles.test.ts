/**
 * No import circles in src/ (type-only imports included): a shared type or
 * error lives in its own file instead, so that each module can be read,
 * loaded and tested on its own.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

function graph(): Map<string, string[]> {
  const files = readdirSync(SRC, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  const edges = new Map<string, string[]>()
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8')
    const targets = [...text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) => relative(SRC, resolve(dirname(join(SRC, file)), m[1]!.replace(/\.js$/, '.ts'))))
    edges.set(file, targets)
  }
  return edges
}

function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string) => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of edges.keys()) if (!state.has(node)) visit(node)
  return found
}

describe('src/', () => {
  it('reads the imports (the graph is not empty)', () => {
    expect(graph().get('profile/load.ts')).toContain('profile/types.ts')
  })

  it('has no import circles', () => {
    expect(cycles(graph()).map((c) => c.join(' → '))).toEqual([])
  })
})
