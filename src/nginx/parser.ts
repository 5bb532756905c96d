import {type Token, syntaxError, tokenize} from './lexer.js'

export interface Directive {
  name: string
  nameToken: Token
  args: Token[]
  /** Offset of the directive's name. */
  start: number
  /** Offset just after its `;`, or after the `}` that closes its block. */
  end: number
  block: Block | null
  parent: Block
  /** A comment on the same line right after the directive (fleet marks its lines this way). */
  comment: Token | null
}

export interface Block {
  /** The directive that opens this block; null for the file itself. */
  owner: Directive | null
  open: Token | null
  close: Token | null
  children: Directive[]
}

export interface ParsedConfig {
  text: string
  root: Block
  tokens: Token[]
}

/** Parses a config into directives and blocks that keep their offsets in `text`. */
export function parseConfig(text: string, source?: string): ParsedConfig {
  const tokens = tokenize(text, source)
  const root: Block = {owner: null, open: null, close: null, children: []}
  const stack: Block[] = [root]
  let words: Token[] = []
  let lastEnded: Directive | null = null

  const finish = (terminator: Token, block: Block | null): Directive => {
    const current = stack.at(-1)!
    const [nameToken, ...args] = words
    const directive: Directive = {
      name: nameToken!.value,
      nameToken: nameToken!,
      args,
      start: nameToken!.start,
      end: terminator.end,
      block,
      parent: current,
      comment: null,
    }
    current.children.push(directive)
    words = []
    return directive
  }

  for (const token of tokens) {
    if (token.kind === 'comment') {
      if (lastEnded && /^[ \t]*$/.test(text.slice(lastEnded.end, token.start))) lastEnded.comment = token
      lastEnded = null
      continue
    }
    lastEnded = null
    if (token.kind === 'word') {
      words.push(token)
    } else if (token.kind === 'semicolon') {
      if (words.length === 0) throw syntaxError(text, token.start, 'unexpected ";"', source)
      lastEnded = finish(token, null)
    } else if (token.kind === 'open') {
      if (words.length === 0) throw syntaxError(text, token.start, 'unexpected "{"', source)
      const block: Block = {owner: null, open: token, close: null, children: []}
      block.owner = finish(token, block)
      stack.push(block)
    } else {
      if (words.length > 0) throw syntaxError(text, token.start, 'unexpected "}": a directive before it lacks its ";"', source)
      const block = stack.pop()!
      if (stack.length === 0) throw syntaxError(text, token.start, 'unexpected "}"', source)
      block.close = token
      block.owner!.end = token.end
      lastEnded = block.owner
    }
  }
  if (words.length > 0) throw syntaxError(text, text.length, 'unexpected end of file, expecting ";" or "}"', source)
  if (stack.length > 1) {
    throw syntaxError(text, text.length, `unexpected end of file: the "${stack.at(-1)!.owner!.name}" block is not closed`, source)
  }
  return {text, root, tokens}
}

/** Every directive in the tree, depth first, in file order. */
export function allDirectives(block: Block): Directive[] {
  const out: Directive[] = []
  for (const child of block.children) {
    out.push(child)
    if (child.block) out.push(...allDirectives(child.block))
  }
  return out
}

/** The directives that enclose `directive`, innermost first. */
export function ancestors(directive: Directive): Directive[] {
  const out: Directive[] = []
  for (let owner = directive.parent.owner; owner; owner = owner.parent.owner) out.push(owner)
  return out
}

/** The direct children of `block` named `name`. */
export function childrenNamed(block: Block, name: string): Directive[] {
  return block.children.filter((d) => d.name === name)
}

/** The directive's arguments as nginx reads them, joined by one space. */
export function argValue(directive: Directive): string {
  return directive.args.map((a) => a.value).join(' ')
}

/** A short human label such as `server[listen 443 ssl] > location /api`. */
export function contextLabel(directive: Directive): string {
  const chain = [directive, ...ancestors(directive)].reverse()
  return chain.map(describe).join(' > ')
}

function describe(d: Directive): string {
  if (d.name === 'server' && d.block) {
    const listen = d.block.children.find((c) => c.name === 'listen')
    return listen ? `server[listen ${argValue(listen)}]` : 'server'
  }
  const args = d.args.map((a) => a.raw).join(' ')
  return args ? `${d.name} ${args}` : d.name
}
