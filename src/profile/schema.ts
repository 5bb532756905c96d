import {z} from 'zod'

/**
 * The profile schema (spec section 2): the one source for validation, for
 * the TypeScript types and for `profiles/schema.json`.
 *
 * Custom messages are noun phrases ("an IAM role ARN ...") because the error
 * formatter prints them as "expected <message>, got <value>"; `refine`
 * messages are whole sentences.
 */

const accountName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'an account name (letters, digits, "-" and "_")')

const port = z
  .number({error: 'a port number (1-65535)'})
  .int('a port number (1-65535)')
  .min(1, 'a port number (1-65535)')
  .max(65_535, 'a port number (1-65535)')

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type such as t2.micro')

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as ap-northeast-2')

const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN such as arn:aws:iam::111111111111:role/FleetOperator')

// An MFA device is named by its ARN, or by the serial number of a hardware token.
const mfaSerial = z
  .string()
  .regex(/^(arn:aws[a-z-]*:iam::\d{12}:(mfa|u2f)\/[\w+=,.@/-]+|[\w+=/:,.@-]{9,256})$/, 'an MFA device ARN such as arn:aws:iam::111111111111:mfa/me')

const InstanceSelector = z
  .strictObject({
    tag: z
      .record(z.string().min(1), z.string(), {error: 'a map of tag names to values, e.g. { fleet: lb }'})
      .refine((t) => Object.keys(t).length > 0, 'At least one tag is needed.')
      .optional()
      .describe('tags the instance carries, e.g. { fleet: lb }'),
    id: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'an instance id such as i-0123456789abcdef0').optional().describe('the instance id, e.g. i-0123456789abcdef0'),
  })
  .refine((s) => (s.tag === undefined) !== (s.id === undefined), 'Give exactly one of `tag` or `id`.')
  .meta({oneOf: [{required: ['tag']}, {required: ['id']}]})
  .describe('how fleet finds the account\'s one instance: { tag: { fleet: lb } } or { id: i-... }')

const Ssh = z
  .strictObject({
    user: z.string().min(1).default('ec2-user').describe('the SSH user'),
    key: z.string().min(1).optional().describe('private key file on this machine; without it ssh-agent is used'),
    host: z.string().min(1).optional().describe('address to connect to (default: the instance\'s public IP)'),
    port: port.optional().describe('default 22'),
  })
  .describe('how fleet reaches the instance over SSH')

const Account = z.strictObject({
  accountId: z
    .string({error: 'a 12-digit AWS account id in quotes, e.g. "111111111111" (unquoted, YAML reads it as a number)'})
    .regex(/^\d{12}$/, 'a 12-digit AWS account id in quotes, e.g. "111111111111"')
    .describe('the 12-digit account id, in quotes; the role\'s identity is checked against it'),
  roleArn: roleArn.describe('the role fleet assumes in this account'),
  externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'an external id (2-1224 characters)').optional().describe('the role\'s sts:ExternalId condition'),
  region: region.optional().describe('default: the profile\'s region'),
  instance: InstanceSelector,
  securityGroup: z
    .string()
    .regex(/^sg-[0-9a-f]{8,17}$/, 'a security group id such as sg-0123456789abcdef0')
    .optional()
    .describe('where fleet adds its rules (default: the instance\'s first group)'),
  ssh: Ssh.optional(),
  freePlan: z
    .enum(['750-hours', 'credits'])
    .default('750-hours')
    .describe('the account\'s free tier: 750 instance-hours a month, or the credit-based plan of accounts opened after mid-2025'),
})

const Hub = z
  .strictObject({
    source: z.enum(['keychain', 'aws-profile', 'env']).default('keychain').describe('keychain: `fleet login` stores the key; aws-profile: ~/.aws/config; env: the AWS_* variables'),
    awsProfile: z.string().min(1).optional().describe('with source: aws-profile, a profile of ~/.aws/config (SSO works)'),
    mfaSerial: mfaSerial.optional().describe('MFA device: one code per session, every role assumed with it'),
  })
  .describe('the identity that assumes the roles')

const Nginx = z
  .strictObject({
    on: accountName.describe('the account whose instance runs nginx'),
    config: z.string().min(1).default('/etc/nginx/nginx.conf').describe('the main config, as the host sees it'),
    upstreamFile: z
      .string()
      .min(1)
      .default('/etc/nginx/conf.d/fleet-upstream.conf')
      .describe('the file fleet owns for the upstream, as the host sees it'),
    upstreamInclude: z.string().min(1).optional().describe('the same file as nginx sees it (default: upstreamFile)'),
    upstream: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'an nginx upstream name such as honorsParkingBackend').describe('the upstream block\'s name'),
    test: z.string().min(1).default('sudo nginx -t').describe('checks the config on the LB host'),
    reload: z.string().min(1).default('sudo nginx -s reload').describe('reloads nginx'),
    dump: z.string().min(1).default('sudo nginx -T').describe('prints the config nginx runs with'),
    logs: z.string().min(1).default('sudo tail -n 200 {follow} /var/log/nginx/*.log').describe('prints nginx\'s logs (`fleet logs --lb`); {since} and {follow} are filled in'),
    address: z.enum(['public', 'private']).default('public').describe('which IP of an app server goes upstream'),
    start: z.string().min(1).optional().describe('run on the LB after `fleet up` started it (e.g. docker start nginx, for a container without a restart policy)'),
  })
  .describe('the load balancer')

const Apps = z
  .strictObject({
    port: port.default(8080).describe('the app port nginx proxies to'),
    logs: z.string().min(1).optional().describe('command printing the app logs; {since} and {follow} are filled in'),
    restart: z.string().min(1).optional().describe('command restarting the app (after a DB_URL change)'),
    health: z.string().regex(/^\//, 'a path starting with /').optional().describe('checked through nginx after a sync'),
    start: z.string().min(1).optional().describe('run on each app server `fleet up` started (e.g. docker compose -f ... up -d)'),
  })
  .describe('the app servers')

const Rds = z
  .strictObject({
    account: accountName.describe('the account that holds the database'),
    instance: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'a DB instance identifier such as parking-db').describe('the DBInstanceIdentifier'),
    envFile: z.string().min(1).describe('the app\'s .env file, as the app host sees it'),
    key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').default('DB_URL').describe('the variable fleet switches'),
    public: z.string().min(1).describe('the value while public access is on; {endpoint} and {port} are filled in'),
    private: z.string().min(1).describe('the value while it is off; {NAME.privateIp} / {NAME.publicIp} of any account'),
  })
  .describe('the database whose public access fleet toggles')

const duration = z.string().regex(/^\d+(ms|s|m|h|d)?$/, 'an nginx time such as 15s')

const ArchNginx = z
  .strictObject({
    workerProcesses: z
      .union([z.literal('auto'), z.number().int().min(1).max(1024)], {error: '"auto" or a number of worker processes'})
      .optional()
      .describe('worker_processes'),
    workerConnections: z.number().int().min(16).max(1_048_576).optional().describe('worker_connections (and worker_rlimit_nofile to match)'),
    keepalive: z.number().int().min(1).max(100_000).optional().describe('idle upstream connections kept per worker'),
    keepaliveTimeout: duration.optional().describe('default 15s, below the app server\'s idle timeout'),
  })
  .describe('settings omitted go back to the values fleet found first')

const ArchApp = z.union(
  [
    accountName,
    z.strictObject({account: accountName.describe('an app server'), ports: z.array(port).min(1).optional().describe('default: apps.port')}),
  ],
  {error: 'an account name, or { account: NAME, ports: [8080, 8081] }'},
)

const Architecture = z.strictObject({
  description: z.string().optional().describe('shown by `fleet arch list`'),
  lb: z.strictObject({instanceType: instanceType.describe('the LB\'s type under this architecture')}).optional().describe('`lb` always means the nginx.on account'),
  apps: z.array(ArchApp).min(1, 'at least one app server').describe('the app servers in the upstream'),
  nginx: ArchNginx.optional(),
  rdsPublic: z.boolean().optional().describe('true: on, false: off, absent: left as it is'),
})

const AutoStop = z
  .strictObject({
    schedule: z
      .string()
      .regex(/\{minutes\}/, 'a command holding {minutes}, such as sudo shutdown -h +{minutes}')
      .default('sudo shutdown -h +{minutes}')
      .describe('run on each instance by `up --ttl`; {minutes} is filled in'),
    cancel: z.string().min(1).default('sudo shutdown -c').describe('run to cancel a scheduled stop (a re-run of `up --ttl`, `down --keep`)'),
  })
  .describe('how `up --ttl` schedules and cancels an instance\'s own stop')

// A duration as the flags take it (src/util/duration.ts): 90s, 1m30s, 500ms; a bare number is seconds.
const flagDuration = z
  .union([z.string().regex(/^\s*(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h|d))+)\s*$/, 'a duration such as 1s, 500ms or 1m30s'), z.number().min(0)], {error: 'a duration such as 1s, 500ms or 1m30s'})
  .transform((v) => String(v))

const Loadtest = z
  .strictObject({
    url: z
      .url({protocol: /^https?$/, error: 'an http:// or https:// URL such as https://parking.example.com/'})
      .optional()
      .describe('the site loaded: its host name and port go in Host and TLS (default: http://<the LB\'s IP>/, read after every start); the load itself always goes to the LB\'s own address, never through DNS'),
    address: z.enum(['public', 'private']).optional().describe('which of the LB\'s IPs the load and its checks connect to (default public)'),
    users: z
      .array(z.number({error: 'a number of users'}).int('a whole number of users').min(1, 'at least 1 user').max(100_000, 'at most 100000 users'))
      .min(1, 'at least one user level')
      .optional()
      .describe('the user levels, each a warm-up and a measured step (default [100, 500, 1000])'),
    think: flagDuration.optional().describe('each virtual user waits this long between requests; 0: as fast as it can (default 1s)'),
    duration: flagDuration.optional().describe('the measured part of each step (default 60s)'),
  })
  .describe('defaults for `fleet loadtest`')

const Cost = z.strictObject({
  cacheHours: z.number().min(0).default(6).describe('how long Cost Explorer answers are reused ($0.01 a request)'),
  alertUsd: z.number().min(0).optional().describe('month-to-date, per account: a warning'),
}).describe('`fleet cost`')

export const ProfileSchema = z
  .strictObject({
    region: region.optional().describe('default for every account'),
    freeTypes: z.array(instanceType).default(['t2.micro', 't3.micro']).describe('instance types treated as free'),
    hub: Hub,
    accounts: z
      .record(accountName, Account)
      .refine((a) => Object.keys(a).length > 0, 'At least one account is needed.')
      .describe('key = the account name used everywhere'),
    nginx: Nginx.optional(),
    apps: Apps.optional(),
    rds: Rds.optional(),
    architectures: z
      .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an architecture id such as 4-1'), Architecture)
      .optional()
      .describe('key = the architecture id (`fleet up --arch ID`)'),
    loadtest: Loadtest.optional(),
    cost: Cost.optional(),
    autoStop: AutoStop.optional(),
    onLbIpChange: z
      .string()
      .min(1)
      .optional()
      .describe('a command run here after `up` when the LB\'s public IP changed; {ip} and {dns} are filled in (e.g. ./update-dns.sh {ip} {dns})'),
  })
  .meta({title: 'fleet profile', description: 'A fleet profile: accounts, load balancer, apps, database and architectures.'})

type InstanceSelectorOutput = z.output<typeof InstanceSelector>

/** Exactly one of `tag` or `id` (the schema checks it). */
export type InstanceSelectorConfig = {tag: Record<string, string>} | {id: string}
export type AccountConfig = Omit<z.output<typeof Account>, 'instance'> & {instance: InstanceSelectorConfig}
export type ProfileData = Omit<z.output<typeof ProfileSchema>, 'accounts'> & {accounts: Record<string, AccountConfig>}
export type HubConfig = z.output<typeof Hub>
export type NginxConfig = z.output<typeof Nginx>
export type AppsConfig = z.output<typeof Apps>
export type RdsConfig = z.output<typeof Rds>
export type ArchitectureConfig = z.output<typeof Architecture>
export type ArchNginxConfig = z.output<typeof ArchNginx>
export type ArchAppConfig = z.output<typeof ArchApp>
export type LoadtestConfig = z.output<typeof Loadtest>

/** The parsed selector as its exact-one type (the refine guarantees it). */
export function asSelector(selector: InstanceSelectorOutput): InstanceSelectorConfig {
  return selector.id === undefined ? {tag: selector.tag ?? {}} : {id: selector.id}
}
