// One app-server stand-in as its own process, for the bench (see backends.ts,
// spawnBackends): `node backend-server.js ADDRESS PORT [KEEP_ALIVE_MS
// [LATENCY_MS [NEW_CONNECTION_MS]]]` (the delays of backends.ts BackendOptions).
// Plain JavaScript so that it runs without a build or type stripping. It
// answers as fast as Node can: a tiny fixed body, no logging, no recording;
// `GET /__rig/stats` returns its counters (that request and its connection
// are not counted). Prints `listening ADDRESS:PORT` once bound, or the bind
// error's code (EADDRINUSE, EADDRNOTAVAIL) and exits 1.
import {createServer} from 'node:http'

const [address = '127.0.0.1', portText = '0', keepAliveText = '20000', latencyText = '0', newConnectionText = '0'] = process.argv.slice(2)
const latencyMs = Number(latencyText)
const newConnectionMs = Number(newConnectionText)
const served = new WeakSet()
const HEALTH = '{"status":"UP"}'
const BODY = `backend ${address}\n`
const counters = {requests: 0, connections: 0}

const server = createServer((req, res) => {
  if (req.url === '/__rig/stats') {
    if (!req.socket.rigStats) {
      req.socket.rigStats = true
      counters.connections--
    }
    return send(res, 'application/json', JSON.stringify(counters))
  }
  counters.requests++
  const fresh = !served.has(req.socket)
  served.add(req.socket)
  const delayMs = latencyMs + (fresh ? newConnectionMs : 0)
  const reply = () => (req.url === '/actuator/health' ? send(res, 'application/json', HEALTH) : send(res, 'text/plain', BODY))
  if (delayMs > 0) setTimeout(reply, delayMs)
  else reply()
})
server.on('connection', () => counters.connections++)
// Tomcat's default, so Spring Boot's: an idle kept-alive connection closes after 20 s.
server.keepAliveTimeout = Number(keepAliveText)

server.once('error', (error) => {
  console.log(error.code ?? error.message)
  process.exit(1)
})
server.listen(Number(portText), address, () => console.log(`listening ${address}:${server.address().port}`))

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  })
}

function send(res, type, body) {
  res.writeHead(200, {'content-type': type, 'content-length': Buffer.byteLength(body)})
  res.end(body)
}
