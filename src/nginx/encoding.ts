/** How a config file's bytes became text, so that writing it back gives the same bytes. */
export type ConfigEncoding = 'utf8' | 'latin1'

/**
 * Decodes a config file so that every byte survives a round trip: UTF-8 when
 * the bytes are valid UTF-8, else latin1 (one char per byte). fleet's parser
 * only looks at ASCII, so either works for editing.
 */
export function decodeConfig(bytes: Uint8Array): {text: string; encoding: ConfigEncoding} {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = buffer.toString('utf8')
  if (Buffer.from(text, 'utf8').equals(buffer)) return {text, encoding: 'utf8'}
  return {text: buffer.toString('latin1'), encoding: 'latin1'}
}

export function encodeConfig(text: string, encoding: ConfigEncoding): Buffer {
  return Buffer.from(text, encoding)
}
