/**
 * `promise`'s outcome, or `fallback` once `ms` have passed. The timer is
 * an ordinary (ref'd) one, cleared as soon as the race is decided: an
 * awaited wait must keep the process alive, or Node exits mid-await (exit
 * 13, "unsettled top-level await") when the thing waited for is gone.
 */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<F>((resolve) => (timer = setTimeout(resolve, ms, fallback)))
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
