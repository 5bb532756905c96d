/**
 * The JSON Schema (draft-07) of `fleet loadtest --json` and of the run's
 * `loadtest.json` (spec section 5). Fields may be added, never renamed: the
 * objects allow additional properties, and the spec's fields are required.
 */

const num = {type: 'number'} as const
const nullableNum = {type: ['number', 'null']} as const
const count = {type: 'integer', minimum: 0} as const
const percent = {type: ['number', 'null'], minimum: 0, maximum: 100} as const

/** An ISO 8601 UTC time (a pattern, so that validators need no format plug-in). */
const isoTime = {type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$'} as const

const latencyMs = {
  type: 'object',
  required: ['p50', 'p95', 'p99'],
  properties: {p50: nullableNum, p95: nullableNum, p99: nullableNum},
} as const

const step = {
  type: 'object',
  required: ['arch', 'users', 'rps', 'latencyMs', 'errors', 'non2xx', 'cpu', 'lbBytes'],
  properties: {
    arch: {type: 'string'},
    users: {type: 'integer', minimum: 1},
    rps: {type: 'number', minimum: 0},
    latencyMs,
    errors: count,
    non2xx: count,
    requests: count,
    cpu: {
      type: 'object',
      required: ['lb', 'apps'],
      properties: {
        lb: percent,
        lbMaxCore: percent,
        apps: {type: 'object', additionalProperties: percent},
      },
    },
    lbBytes: {type: ['integer', 'null'], minimum: 0},
    nginxWorkerConnections: {type: 'boolean'},
    generatorCpu: {type: ['number', 'null'], minimum: 0},
    aborted: {type: 'boolean'},
    from: isoTime,
    to: isoTime,
  },
} as const

const verdict = {
  type: 'object',
  required: ['arch', 'bottleneck', 'why'],
  properties: {
    arch: {type: 'string'},
    bottleneck: {enum: ['lb-cpu', 'app-cpu', 'nginx-connections', 'outside-fleet', 'none']},
    why: {type: 'string', minLength: 1},
  },
} as const

const cost = {
  type: 'object',
  required: ['totalUsd', 'instances', 'freeTierHours', 'publicIpv4', 'transfer'],
  properties: {
    totalUsd: num,
    instances: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'hours', 'usd', 'free', 'priceKnown'],
        properties: {type: {type: 'string'}, hours: num, usd: num, free: {type: 'boolean'}, priceKnown: {type: 'boolean'}},
      },
    },
    freeTierHours: num,
    publicIpv4: {type: 'object', required: ['hours', 'usd'], properties: {hours: num, usd: num}},
    transfer: {type: 'object', required: ['bytes', 'gb', 'usd'], properties: {bytes: num, gb: num, usd: num}},
  },
} as const

/** The schema of the `loadtest` JSON. */
export const LOADTEST_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'fleet loadtest',
  type: 'object',
  required: ['run', 'target', 'engine', 'steps', 'verdicts', 'costUsd', 'report'],
  properties: {
    run: {type: 'string', minLength: 1},
    target: {type: 'string', minLength: 1, description: 'the URL as written: its host name and port are the Host header and the TLS name'},
    address: {
      type: 'object',
      description: 'where the load and every check connected: the LB\'s own IP, never what DNS says the URL\'s host is',
      required: ['account', 'kind', 'at'],
      properties: {
        account: {type: 'string', description: 'the LB\'s account'},
        kind: {enum: ['public', 'private'], description: 'which of its IPs (loadtest.address)'},
        at: {type: ['string', 'null'], description: 'ip:port of the last architecture measured (each one\'s is in architectures[].address); null before the first is up'},
      },
    },
    engine: {enum: ['autocannon', 'artillery']},
    thinkMs: {type: 'number', minimum: 0},
    durationMs: {type: 'number', minimum: 0},
    architectures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['arch', 'lbType', 'apps'],
        properties: {arch: {type: 'string'}, lbType: {type: 'string'}, apps: {type: 'array', items: {type: 'string'}}, target: {type: 'string'}, address: {type: 'string', description: 'ip:port the load connected to'}},
      },
    },
    steps: {type: 'array', items: step},
    verdicts: {type: 'array', items: verdict},
    costUsd: num,
    cost,
    report: {type: 'string'},
    interrupted: {type: 'boolean'},
  },
} as const
