/**
 * The one place src/envfile reads the shared byte codec from, so that moving
 * it changes one import. Text decoded here keeps a UTF-8 BOM (as U+FEFF) and
 * every byte of a file that is not UTF-8 (as latin1).
 */
import {decodeText, encodeText, type TextEncoding} from '../text/encoding.js'

export type EnvEncoding = TextEncoding

/** A `.env` file's bytes as text, and how to turn that text back into the same bytes. */
export function decodeEnvFile(bytes: Uint8Array): {text: string; encoding: EnvEncoding} {
  return decodeText(bytes)
}

/** The bytes to write for `text` read with `encoding`. */
export function encodeEnvFile(text: string, encoding: EnvEncoding): Buffer {
  return encodeText(text, encoding)
}
