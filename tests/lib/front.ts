/**
 * The front door of a Tempo or Loki stand-in, on the port Prometheus scrapes and the
 * healthchecks probe (tempo:3200, loki:3100): GET /metrics answers with the stand-in
 * collector's own metrics, so `up` follows the stand-in process; GET /ready is 200 while that
 * collector answers (Tempo's and Loki's readiness path), 503 otherwise; anything else (Loki's
 * OTLP path) goes to the stand-in's receiver. Either upstream down answers 502, as a proxy in
 * front of a dead backend does.
 *   node front.ts <port> <metrics port> [<otlp port>]
 */
import { createServer, request } from 'node:http'

const [port, metricsPort, otlpPort] = process.argv.slice(2).map(Number) as [number, number, number?]

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') {
    fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (answer) => res.writeHead(answer.ok ? 200 : 503).end(answer.ok ? 'ready\n' : ''),
      () => res.writeHead(503).end(),
    )
    return
  }
  const upstream = req.method === 'GET' && req.url === '/metrics' ? metricsPort : otlpPort
  if (!upstream) {
    res.writeHead(404).end()
    return
  }
  const forward = request(
    { host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  forward.on('error', () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(forward)
}).listen(port, '0.0.0.0')
