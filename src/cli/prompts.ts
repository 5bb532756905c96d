import {UsageError} from '../errors.js'

/** Prompts appear only on a TTY and never under CI (spec section 4). */
export function canPrompt(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY) && !env.CI
}

/** One MFA code: from FLEET_MFA_CODE, else a prompt on a TTY. */
export async function askMfaCode(serial: string): Promise<string> {
  const fromEnv = process.env.FLEET_MFA_CODE
  if (fromEnv) return fromEnv
  if (!canPrompt()) {
    throw new UsageError('MfaCodeNeeded', `The hub uses MFA (${serial}) and there is no TTY to ask for a code.`, {
      nextSteps: ['Set FLEET_MFA_CODE to the current code for this one command.'],
    })
  }
  const {input} = await import('@inquirer/prompts')
  return input({message: `MFA code for ${serial}:`, validate: (v) => /^\d{6}$/.test(v.trim()) || 'six digits'}, {output: process.stderr})
}

/** Asks for a secret without echo; the answer never reaches a log. */
export async function askSecret(message: string): Promise<string> {
  const {password} = await import('@inquirer/prompts')
  return password({message, mask: true}, {output: process.stderr})
}

export async function askText(message: string): Promise<string> {
  const {input} = await import('@inquirer/prompts')
  return input({message}, {output: process.stderr})
}

export async function confirm(message: string): Promise<boolean> {
  const inquirer = await import('@inquirer/prompts')
  return inquirer.confirm({message, default: false}, {output: process.stderr})
}
