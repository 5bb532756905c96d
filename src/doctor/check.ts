/** One check: passed, failed, or not checked (`ok: null`) with the reason. */
export interface Check {
  name: 'role' | 'identity' | 'instance' | 'permissions' | 'rds-public-access' | 'ssh' | 'nginx' | 'app-tools'
  ok: boolean | null
  detail: string
}
