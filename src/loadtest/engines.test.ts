import {expect, test} from 'vitest'

import {loadEngine} from './engines.js'

const step = {url: 'http://127.0.0.1:9/', users: 1, thinkMs: 0, durationMs: 100}

test('--engine picks the engine, each loaded on demand; autocannon is the default', async () => {
  const artillery = await loadEngine('artillery', {artillery: {command: ['/nonexistent/artillery']}})
  await expect(artillery(step)).rejects.toMatchObject({code: 'ArtilleryMissing'})
  const autocannon = await loadEngine()
  // Port 9 (discard) is closed here: the in-process engine runs and counts errors.
  expect(await autocannon(step)).toMatchObject({requests: 0, aborted: false})
})
