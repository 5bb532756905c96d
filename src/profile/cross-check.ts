import {didYouMean} from './suggest.js'
import type {PlainIssue} from './zod-issues.js'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
const validName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

/**
 * Rules that span several keys: account ids unique and matching their role
 * ARNs, every account reference naming an account that exists, hub settings
 * that go together. Works on the raw YAML value (defensively), so that these
 * problems are reported together with the schema's own.
 */
export function crossCheck(raw: unknown): PlainIssue[] {
  if (!isObj(raw)) return []
  const accounts = isObj(raw.accounts) ? raw.accounts : {}
  const names = Object.keys(accounts)
  return [
    ...checkAccounts(accounts),
    ...checkHub(raw.hub),
    ...checkReferences(raw, names),
    ...checkArchitectures(raw, names),
  ]
}

function issue(path: PropertyKey[], message: string, want: 'key' | 'value' = 'value'): PlainIssue {
  return {path, want, message}
}

function checkAccounts(accounts: Obj): PlainIssue[] {
  const out: PlainIssue[] = []
  const byId = new Map<string, string>()
  for (const [name, account] of Object.entries(accounts)) {
    if (!isObj(account) || typeof account.accountId !== 'string') continue
    const id = account.accountId
    const first = byId.get(id)
    if (first === undefined) byId.set(id, name)
    else out.push(issue(['accounts', name, 'accountId'], `account id ${id} is also the id of account \`${first}\`: each AWS account is listed once`))
    const arnAccount = typeof account.roleArn === 'string' ? /^arn:[^:]+:iam::(\d{12}):/.exec(account.roleArn)?.[1] : undefined
    if (arnAccount !== undefined && arnAccount !== id) {
      out.push(issue(['accounts', name, 'roleArn'], `the role is in account ${arnAccount}, but accountId is ${id}: the role must be in the account it manages`))
    }
  }
  return out
}

function checkHub(hub: unknown): PlainIssue[] {
  if (!isObj(hub) || hub.source !== 'aws-profile' || hub.awsProfile !== undefined) return []
  return [issue(['hub', 'source'], 'source `aws-profile` needs `hub.awsProfile`: the name of a profile in ~/.aws/config')]
}

function unknownAccount(name: string, names: string[]): string {
  const known = names.length > 0 ? ` (accounts: ${names.join(', ')})` : ''
  return `no account named \`${name}\`${didYouMean(name, names)}${known}`
}

/** nginx.on, rds.account and the accounts named in the rds URL templates. */
function checkReferences(raw: Obj, names: string[]): PlainIssue[] {
  const out: PlainIssue[] = []
  const ref = (path: PropertyKey[], value: unknown) => {
    if (typeof value === 'string' && validName.test(value) && !names.includes(value)) out.push(issue(path, unknownAccount(value, names)))
  }
  if (isObj(raw.nginx)) ref(['nginx', 'on'], raw.nginx.on)
  if (isObj(raw.rds)) {
    ref(['rds', 'account'], raw.rds.account)
    for (const key of ['public', 'private'] as const) {
      const template = raw.rds[key]
      if (typeof template === 'string') out.push(...checkTemplate(template, ['rds', key], names))
    }
  }
  return out
}

/** `{endpoint}`, `{port}`, `{NAME.privateIp}`, `{NAME.publicIp}`. */
function checkTemplate(template: string, path: PropertyKey[], names: string[]): PlainIssue[] {
  const out: PlainIssue[] = []
  for (const [, field] of template.matchAll(/\{([^{}]*)\}/g)) {
    if (field === 'endpoint' || field === 'port') continue
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)\.(privateIp|publicIp)$/.exec(field ?? '')
    if (!m) {
      out.push(issue(path, `unknown placeholder \`{${field}}\`: use {endpoint}, {port}, {NAME.privateIp} or {NAME.publicIp}`))
    } else if (!names.includes(m[1]!)) {
      out.push(issue(path, `placeholder \`{${field}}\`: ${unknownAccount(m[1]!, names)}`))
    }
  }
  return out
}

function checkArchitectures(raw: Obj, names: string[]): PlainIssue[] {
  if (!isObj(raw.architectures)) return []
  const out: PlainIssue[] = []
  for (const [id, arch] of Object.entries(raw.architectures)) {
    if (!isObj(arch)) continue
    const base = ['architectures', id]
    if (!isObj(raw.nginx)) {
      for (const key of ['lb', 'nginx'] as const) {
        if (arch[key] !== undefined) out.push(issue([...base, key], `\`${key}\` applies to the nginx host, but the profile has no \`nginx\` section (nginx.on names the host)`, 'key'))
      }
    }
    if (!Array.isArray(arch.apps)) continue
    const seen = new Set<string>()
    arch.apps.forEach((entry: unknown, i) => {
      const account = typeof entry === 'string' ? entry : isObj(entry) ? entry.account : undefined
      if (typeof account !== 'string' || !validName.test(account)) return
      const path = [...base, 'apps', i]
      if (!names.includes(account)) out.push(issue(path, unknownAccount(account, names)))
      else if (seen.has(account)) {
        out.push(issue(path, `\`${account}\` is listed twice: give it one entry with all its ports, e.g. { account: ${account}, ports: [8080, 8081] }`))
      }
      seen.add(account)
      if (isObj(entry) && Array.isArray(entry.ports)) {
        const ports: unknown[] = entry.ports
        const dup = ports.find((p, j) => ports.indexOf(p) !== j)
        if (dup !== undefined) out.push(issue([...path, 'ports'], `port ${String(dup)} is listed twice`))
      }
    })
  }
  return out
}
