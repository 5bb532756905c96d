/**
 * Quotes one word for a POSIX shell: the result is always a single word
 * whose value is exactly `word`, whatever characters it holds.
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** Quotes every word and joins them into one command line. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ')
}
