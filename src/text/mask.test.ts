import {describe, expect, it} from 'vitest'

import {looksSecret, maskSecrets} from './mask.js'

describe('maskSecrets', () => {
  it('masks an Authorization header fleet copied into a location, keeping the rest of the diff', () => {
    const diff = '+        proxy_set_header Authorization "Basic dXNlcjpzZWNyZXQ=";  # fleet\n+        proxy_set_header Host $host;  # fleet\n'
    expect(maskSecrets(diff)).toBe('+        proxy_set_header Authorization "****";  # fleet\n+        proxy_set_header Host $host;  # fleet\n')
  })

  it('masks the password of a URL and of a query string, not the user or host', () => {
    expect(maskSecrets('-DB_URL=jdbc:mysql://parking:s3cr3t@db.internal:3306/parking')).toBe('-DB_URL=jdbc:mysql://parking:****@db.internal:3306/parking')
    expect(maskSecrets('+DB_URL=jdbc:mysql://db:3306/parking?user=app&password=hunter2&ssl=true')).toBe('+DB_URL=jdbc:mysql://db:3306/parking?user=app&password=****&ssl=true')
  })

  it('masks secret-named assignments of a .env, CRLF kept', () => {
    expect(maskSecrets(' DB_PASSWORD=hunter2\r\n+export API_SECRET=\'x y\'\nPLAIN=visible\n')).toBe(' DB_PASSWORD=****\r\n+export API_SECRET=****\nPLAIN=visible\n')
  })

  it('leaves text without secrets byte for byte', () => {
    const text = '--- /etc/nginx/nginx.conf\n+++ /etc/nginx/nginx.conf\n@@ -1 +1 @@\n-worker_processes 1;\n+worker_processes auto;  # fleet\n'
    expect(maskSecrets(text)).toBe(text)
  })

  it('uses one list of secret words for headers, assignments, parameters and names', () => {
    expect(maskSecrets('+        proxy_set_header X-Access-Key abc123;\n')).toBe('+        proxy_set_header X-Access-Key ****;\n')
    expect(maskSecrets(' DB_PWD=hunter2\n export GIT_CREDENTIALS=x:y\n')).toBe(' DB_PWD=****\n export GIT_CREDENTIALS=****\n')
    expect(maskSecrets('https://h/?client_secret=abc&x=1')).toBe('https://h/?client_secret=****&x=1')
    for (const name of ['DB_PASSWORD', 'X-Api-Key', 'access_token', 'AWS_SECRET_ACCESS_KEY', 'db_pwd']) expect(looksSecret(name)).toBe(true)
    for (const name of ['DB_URL', 'Host', 'SPRING_PROFILES_ACTIVE']) expect(looksSecret(name)).toBe(false)
  })
})
