/** The JSON of the commands that set fleet up or read the profile: init, login, logout, iam policy, arch, hosts. */
import {arrayOf, bool, boolOrNull, commandSchema, described, error, int, nullable, object, oneOfValues, str, strOrNull} from './dsl.js'
import {plannedChange} from './shared.js'

export const init = commandSchema(
  'init',
  'The starter profile written.',
  object({profile: str, file: str, created: {const: true}, overwritten: bool, shadowedBy: described('./profiles/NAME.yaml when it is found before the new file', strOrNull)}),
)

export const login = commandSchema('login', 'The hub identity whose key was stored in the keychain (never the key).', object({profile: str, identity: str, stored: {const: true}}))

export const logout = commandSchema(
  'logout',
  'What was removed from the keychain.',
  object({profile: str, removed: described('a hub key was stored and is gone', bool), sessions: described('cached role sessions removed', int)}),
)

const statement = {type: 'object', required: ['Effect', 'Action'], properties: {Sid: str, Effect: oneOfValues('Allow', 'Deny'), Action: {type: ['string', 'array']}}}
const policyDocument = object({Version: {const: '2012-10-17'}, Statement: arrayOf(statement)})

export const iamPolicy = commandSchema(
  'iam policy',
  'Per account, the FleetOperator role\'s trust policy and least-privilege permission policy.',
  object({
    profile: str,
    hubPrincipal: described('the IAM ARN the roles trust', str),
    accounts: arrayOf(object({account: str, accountId: str, roleName: str, trustPolicy: policyDocument, permissionPolicy: policyDocument})),
  }),
)

const architecture = object({
  id: str,
  description: strOrNull,
  lb: object({account: strOrNull, instanceType: described('null: left as it is', strOrNull)}),
  apps: arrayOf(object({account: str, ports: arrayOf(int)})),
  nginx: described('only the settings the architecture gives', object({}, {workerProcesses: {type: ['string', 'integer']}, workerConnections: int, keepalive: int, keepaliveTimeout: str})),
  rdsPublic: boolOrNull,
})

export const archList = commandSchema('arch list', 'The architectures of the profile, with their defaults applied.', object({profile: str, architectures: arrayOf(architecture)}))

export const archShow = commandSchema(
  'arch show',
  'One architecture, the state it wants per account and what `fleet up --arch ID` would change (null with --offline).',
  object({
    profile: str,
    architecture,
    desired: arrayOf(object({account: str, role: oneOfValues('lb', 'app', 'idle', 'lb+app'), state: oneOfValues('running', 'stopped'), type: strOrNull, ports: arrayOf(int)})),
    plan: nullable(arrayOf(plannedChange)),
    errors: arrayOf(object({account: str, error})),
  }),
)

export const hostsForget = commandSchema('hosts forget', 'Whether a pinned host key was removed.', object({instanceId: str, forgotten: bool}))
