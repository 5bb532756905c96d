import {GuardrailError} from '../errors.js'
import {canPrompt, confirm} from './prompts.js'

export interface ConfirmRequest {
  /** The question on a TTY, answered no by default (`Apply this plan?`). */
  question: string
  yes: boolean
  /** The plan starts instance types outside freeTypes (spec section 7). */
  paid: boolean
  allowPaid: boolean
  /** The command, for the message (`fleet up --arch 6`). */
  command: string
}

/**
 * The guardrails before a run changes anything (spec sections 4 and 7):
 * on a TTY a confirm (default no), which also accepts a paid plan; without
 * a prompt (`--yes`, no TTY, CI) a paid plan needs `--allow-paid`, and any
 * plan needs `--yes`. A refusal changes nothing and exits 4.
 */
export async function confirmPlan(request: ConfirmRequest): Promise<void> {
  const prompt = !request.yes && canPrompt()
  if (!prompt) {
    const missing = [!request.yes && '--yes', request.paid && !request.allowPaid && '--allow-paid'].filter(Boolean) as string[]
    if (missing.length === 0) return
    const why = request.paid && !request.allowPaid ? 'the plan runs instance types outside freeTypes, which cost money' : 'there is no TTY to confirm the plan'
    throw new GuardrailError('ConfirmationNeeded', `Nothing was changed: ${why}.`, {
      nextSteps: [`Read the plan above, then run \`${request.command} ${missing.join(' ')}\` to apply it.`],
    })
  }
  if (!(await confirm(request.paid ? `${request.question} It runs paid instance types.` : request.question))) {
    throw new GuardrailError('NotConfirmed', 'Not confirmed; nothing was changed.')
  }
}
