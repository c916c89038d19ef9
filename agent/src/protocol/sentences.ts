// A sentence ends at . ! ? or … (optionally closed by a quote or bracket) followed by white space.
const BOUNDARY = /[.!?…]+["'”’)\]]*\s+/g
// Without punctuation a chunk is cut at the last space past this length, so TTS never waits long.
const MAX_CHUNK = 240

/**
 * Turns model text deltas into sentence-sized chunks for `response.tts`, so speech can
 * start after the first sentence instead of after the whole answer.
 */
export class SentenceChunker {
  #buffer = ''

  push(delta: string): string[] {
    this.#buffer += delta
    const chunks: string[] = []
    let cut = 0
    for (const match of this.#buffer.matchAll(BOUNDARY)) {
      const end = match.index + match[0].length
      const sentence = this.#buffer.slice(cut, end).trim()
      if (sentence) chunks.push(sentence)
      cut = end
    }
    this.#buffer = this.#buffer.slice(cut)
    while (this.#buffer.length > MAX_CHUNK) {
      const space = this.#buffer.lastIndexOf(' ', MAX_CHUNK)
      const at = space > 0 ? space : MAX_CHUNK
      chunks.push(this.#buffer.slice(0, at).trim())
      this.#buffer = this.#buffer.slice(at).trimStart()
    }
    return chunks
  }

  /** The unterminated rest, once the model is done. */
  flush(): string[] {
    const rest = this.#buffer.trim()
    this.#buffer = ''
    return rest ? [rest] : []
  }
}
