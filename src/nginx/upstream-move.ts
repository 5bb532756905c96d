import {posix} from 'node:path'

import {UsageError} from '../errors.js'
import {type Directive, allDirectives, contextLabel, parseConfig} from './parser.js'
import {type Edit, applyEdits, quoteArg, removeSpan} from './text.js'
import type {StepResult} from './types.js'
import {type UpstreamInfo, describeUpstream, findUpstreamBlocks} from './upstream-file.js'

export interface MovedUpstream extends UpstreamInfo {
  /** The block as it was written in the config. */
  text: string
}

/**
 * Moves an upstream block written inline into fleet's upstream file: the
 * block is replaced, in place and at the same indentation, by
 * `include <upstreamInclude>;` — or simply removed when an include (a glob
 * such as `conf.d/*.conf` too) already loads that file, since nginx refuses
 * an upstream defined twice. With no inline block, the config must already
 * include the upstream file, else it is a usage error.
 */
export function moveInlineUpstream(
  text: string,
  upstream: string,
  upstreamInclude: string,
  source?: string,
): StepResult & {moved: MovedUpstream | null} {
  const parsed = parseConfig(text, source)
  const blocks = findUpstreamBlocks(parsed, upstream)
  const includes = allDirectives(parsed.root).filter((d) => d.name === 'include' && includeLoads(d, upstreamInclude))
  const file = source ?? 'nginx config'
  if (blocks.length > 1) {
    throw new UsageError('NginxDuplicateUpstream', `${file} defines upstream "${upstream}" ${blocks.length} times`, {
      nextSteps: ['Keep one upstream block of that name (nginx -t refuses duplicates), then sync again.'],
    })
  }
  const block = blocks[0]
  if (!block) {
    if (includes.length > 0) return {text, changes: [], warnings: [], moved: null}
    throw new UsageError('NginxUpstreamNotFound', `${file} has no upstream "${upstream}" and does not include ${upstreamInclude}`, {
      nextSteps: [
        `Check nginx.upstream in the profile, or add "include ${quoteArg(upstreamInclude)};" to the http block of ${file}.`,
      ],
    })
  }
  const moved: MovedUpstream = {...describeUpstream(text, block), text: text.slice(block.start, block.end)}
  const where = contextLabel(block.parent.owner ?? block)
  const include = `include ${quoteArg(upstreamInclude)};`
  const edit: Edit = includes.length > 0 ? removeSpan(text, block.start, block.comment?.end ?? block.end) : {start: block.start, end: block.end, text: include}
  const summary = includes.length > 0
    ? `upstream ${upstream} moved to ${upstreamInclude} (already included here)`
    : `upstream ${upstream} moved to ${upstreamInclude}, replaced by "${include}"`
  const withParams = block.block!.children.filter((d) => d.name === 'server' && d.args.length > 1)
  const warnings = withParams.map(
    (d) => `upstream ${upstream}: the parameters of "${text.slice(d.start, d.end)}" are not carried over; fleet writes plain server lines`,
  )
  return {
    text: applyEdits(text, [edit]),
    changes: [{action: 'move-upstream', directive: `upstream ${upstream}`, where, from: null, to: upstreamInclude, summary}],
    warnings,
    moved,
  }
}

/**
 * Whether `include` loads `path`. A relative include is relative to nginx's
 * prefix, which fleet does not know, so it matches any path ending with it.
 */
function includeLoads(include: Directive, path: string): boolean {
  const pattern = include.args[0]?.value
  if (!pattern) return false
  const regex = globToRegExp(pattern)
  const anchored = posix.isAbsolute(pattern) ? `^${regex}$` : `(^|/)${regex}$`
  return new RegExp(anchored).test(path)
}

/** glob(3) as nginx uses it for include: `*`, `?` and `[...]`, never crossing `/`. */
function globToRegExp(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!
    if (ch === '*') out += '[^/]*'
    else if (ch === '?') out += '[^/]'
    else if (ch === '[' && glob.indexOf(']', i + 2) !== -1) {
      const close = glob.indexOf(']', i + 2)
      const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')
      out += `[${body}]`
      i = close
    } else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return out
}
