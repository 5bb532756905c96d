/**
 * Last line of defence against a secret reaching a terminal or a log: AWS
 * secret keys and session tokens are masked wherever they appear in text.
 * fleet never puts them in messages on purpose; this catches what an
 * upstream library might echo back.
 */
const patterns: RegExp[] = [
  // Access key ids (AKIA/ASIA...) keep their last four characters.
  /\b((?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12})([A-Z0-9]{4})\b/g,
]
const secretLike = /(aws_secret_access_key|secretAccessKey|SecretAccessKey|sessionToken|SessionToken|aws_session_token)(["'\s:=]+)([A-Za-z0-9/+=]{16,})/g

export function redact(text: string): string {
  let out = text
  for (const pattern of patterns) out = out.replace(pattern, (_m, _head: string, tail: string) => `****${tail}`)
  return out.replace(secretLike, (_m, key: string, sep: string) => `${key}${sep}****`)
}
