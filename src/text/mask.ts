/**
 * Masks secret-looking values in text shown to people (a `--dry-run` diff of
 * an nginx config or a `.env`): fleet copies `proxy_set_header` lines into
 * locations, and `.env` files hold database passwords. What is masked keeps
 * its first characters' shape out of sight: `****`.
 */
const MASK = '****'

/** `scheme://user:password@host` → `scheme://user:****@host` */
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:)([^\s@'"]+)(@)/gi
/** `password=...`, `?password=...&` inside URLs and query strings. */
const queryPassword = /([?&;](?:password|passwd|pwd|secret|token|api[_-]?key)=)([^&\s'"]+)/gi
/** nginx: `proxy_set_header Authorization "Basic ..."`, `add_header X-Api-Key ...;` */
const secretHeader = /(\b(?:proxy_set_header|add_header|more_set_headers|grpc_set_header|fastcgi_param)\s+["']?(?:Authorization|Proxy-Authorization|Cookie|X-Api-Key|X-Auth-Token|[\w-]*(?:token|secret|password|api-key)[\w-]*)["']?\s+)("[^"]*"|'[^']*'|[^;\s]+)/gi
/** `.env`: `DB_PASSWORD=...`, `export API_SECRET='...'`, `JWT_TOKEN = ...` */
const secretAssignment = /^([+\- ]?\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)[A-Za-z0-9_]*\s*=\s*)(.*?)(\r?)$/gim

export function maskSecrets(text: string): string {
  return text
    .replace(urlPassword, (_m, head: string, _secret: string, at: string) => `${head}${MASK}${at}`)
    .replace(queryPassword, (_m, head: string) => `${head}${MASK}`)
    .replace(secretHeader, (_m, head: string, value: string) => `${head}${/^["']/.test(value) ? value[0] + MASK + value[0] : MASK}`)
    .replace(secretAssignment, (_m, head: string, value: string, cr: string) => `${head}${value === '' ? '' : MASK}${cr}`)
}
