import pLimit from 'p-limit'

import {type ErrorInfo, toErrorInfo} from '../errors.js'

export type Outcome<T> = {ok: true; value: T} | {ok: false; error: ErrorInfo; cause: unknown}

/**
 * Runs `work` for every item with at most `concurrency` in flight. One item's
 * failure never hides another's: every item gets its own outcome, in order.
 */
export async function fanOut<I, T>(
  items: readonly I[],
  concurrency: number,
  work: (item: I, index: number) => Promise<T>,
): Promise<Outcome<T>[]> {
  const limit = pLimit(Math.max(1, concurrency))
  return Promise.all(
    items.map((item, index) =>
      limit(async (): Promise<Outcome<T>> => {
        try {
          return {ok: true, value: await work(item, index)}
        } catch (error) {
          return {ok: false, error: toErrorInfo(error), cause: error}
        }
      }),
    ),
  )
}
