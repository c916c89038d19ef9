/**
 * Stands behind the Tempo and Loki stand-ins: a collector (the same binary as the real one)
 * receives exactly what the kit's collector sends and re-exports it here as OTLP/JSON; each
 * request is appended to a file, one JSON line each.  node recorder.ts <port> <file>
 */
import { appendFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { gunzipSync } from 'node:zlib'

const [port, file] = process.argv.slice(2) as [string, string]
createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const raw = Buffer.concat(chunks)
    // gzip by its magic bytes, whatever the headers say
    const body = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw
    appendFileSync(
      file,
      `${JSON.stringify({ path: req.url, body: JSON.parse(body.toString() || '{}') })}\n`,
    )
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
}).listen(Number(port), '127.0.0.1')
