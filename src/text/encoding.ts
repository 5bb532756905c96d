/** How a file's bytes became text, so that writing it back gives the same bytes. */
export type TextEncoding = 'utf8' | 'latin1'

/**
 * Decodes a file edited on a host (an nginx config, a `.env`) so that every
 * byte survives a round trip: UTF-8 when the bytes are valid UTF-8 (a BOM
 * stays in the text as U+FEFF), else latin1 (one char per byte). fleet's
 * edits only look at ASCII, so either works for editing.
 */
export function decodeText(bytes: Uint8Array): {text: string; encoding: TextEncoding} {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = buffer.toString('utf8')
  if (Buffer.from(text, 'utf8').equals(buffer)) return {text, encoding: 'utf8'}
  return {text: buffer.toString('latin1'), encoding: 'latin1'}
}

export function encodeText(text: string, encoding: TextEncoding): Buffer {
  return Buffer.from(text, encoding)
}
