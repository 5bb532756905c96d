/**
 * Masks secret-looking values in text shown to people: a `--dry-run` diff of
 * an nginx config (fleet copies `proxy_set_header` lines into locations) or
 * of a `.env` (database URLs with passwords), warnings, errors. It errs on
 * the side of hiding too much: a masked host name costs a reader little, a
 * printed password cannot be taken back.
 */

/** What a masked secret is shown as. */
export const MASK = '****'

// `scheme://user:password@host`: up to the last `@` of the line, so that a
// password holding an unencoded `/`, `@`, quote or blank is still masked whole.
const USERINFO = /(\/\/[^\s/?#@:'"]*:)[^\r\n]*@/g
// Oracle's `jdbc:oracle:thin:user/password@host`.
const ORACLE = /(:thin:[^\s/@:]*\/)[^\r\n]*@/gi
/**
 * The words that make a name secret-looking (`DB_PASSWORD`, `X-Api-Key`,
 * `access_token`): the one list every masker here and in src/envfile uses.
 */
const WORDS = 'password|passwd|pwd|secret|token|credential|api[-_]?key|private[-_]?key|access[-_]?key'
const SECRET_NAME = new RegExp(WORDS, 'i')
// `password=...` and the like, as URL query or JDBC `;key=value` parameters.
const PARAM = new RegExp(`([\\w.-]*(?:${WORDS})[\\w.-]*[ \\t]*=[ \\t]*)[^&;\\r\\n]+`, 'gi')
/** nginx: `proxy_set_header Authorization "Basic ..."`, `add_header X-Api-Key ...;` */
const SECRET_HEADER = new RegExp(
  `(\\b(?:proxy_set_header|add_header|more_set_headers|grpc_set_header|fastcgi_param)\\s+["']?(?:Authorization|Proxy-Authorization|Cookie|[\\w-]*(?:${WORDS})[\\w-]*)["']?\\s+)("[^"]*"|'[^']*'|[^;\\s]+)`,
  'gi',
)
/** `DB_PASSWORD=...`, `export API_SECRET='...'`, a diff's `+`/`-` in front or not. */
const SECRET_ASSIGNMENT = new RegExp(`^([+\\- ]?\\s*(?:#\\s*)?(?:export\\s+)?(?=[A-Za-z_])[A-Za-z0-9_]*(?:${WORDS})[A-Za-z0-9_]*\\s*=\\s*)(.*?)(\\r?)$`, 'gim')

/** Whether a name (a variable, a header, a parameter) holds one of the secret words. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** The value with any password in it masked: `user:pass@`, `password=...` parameters. */
export function maskUrl(value: string): string {
  return value
    .replace(USERINFO, `$1${MASK}@`)
    .replace(ORACLE, `$1${MASK}@`)
    .replace(PARAM, (_match, head: string) => `${head}${MASK}`)
}

/** Any text (a diff, a message) with secret headers, secret-named assignments and URL passwords masked. */
export function maskSecrets(text: string): string {
  const masked = text
    .replace(SECRET_HEADER, (_m, head: string, value: string) => `${head}${/^["']/.test(value) ? value[0] + MASK + value[0] : MASK}`)
    .replace(SECRET_ASSIGNMENT, (_m, head: string, value: string, cr: string) => `${head}${value === '' ? '' : MASK}${cr}`)
  return maskUrl(masked)
}
