/**
 * Pure `.env` handling for `rds-public`: read, classify, edit, mask. No I/O:
 * the caller reads and writes the file (through src/remote's safe edit).
 */
export {decodeEnvFile, encodeEnvFile, type EnvEncoding} from './bytes.js'
export {classifyEnv, urlModeOf} from './classify.js'
export {setEnvUrl, type EnvEdit, type EnvEditHow, type SetEnvUrlOptions} from './edit.js'
export {MASK, maskEnvText, maskUrl, maskValue, maskedEnvDiff} from './mask.js'
export {renderDbUrl, renderDbUrls, type AccountIps, type DbUrlVars} from './template.js'
export type {DbUrlMode, DbUrls, EnvResult} from './types.js'
