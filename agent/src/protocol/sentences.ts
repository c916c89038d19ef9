// A sentence ends at . ! ? or … (optionally closed by a quote or bracket) followed by white space.
const BOUNDARY = /[.!?…]+["'”’)\]]*\s+/g
// Without punctuation a chunk is cut after the last space within this length, so TTS never waits long.
const MAX_CHUNK = 240

/**
 * Turns model text deltas into sentence-sized chunks for `response.tts`, so speech can
 * start after the first sentence instead of after the whole answer. Chunks keep the white
 * space that follows them: joined as they are (as LayerCode's browser transcript joins
 * them) they give back the model's text exactly, "Sure. You asked..." and not "Sure.You asked".
 */
export class SentenceChunker {
  #buffer = ''

  push(delta: string): string[] {
    this.#buffer += delta
    const chunks: string[] = []
    let cut = 0
    for (const match of this.#buffer.matchAll(BOUNDARY)) {
      const end = match.index + match[0].length
      // A piece with nothing to say waits for the next sentence instead of being spoken alone.
      if (!this.#buffer.slice(cut, end).trim()) continue
      chunks.push(this.#buffer.slice(cut, end))
      cut = end
    }
    this.#buffer = this.#buffer.slice(cut)
    while (this.#buffer.length > MAX_CHUNK) {
      const space = this.#buffer.lastIndexOf(' ', MAX_CHUNK - 1)
      const at = space > 0 ? space + 1 : MAX_CHUNK
      chunks.push(this.#buffer.slice(0, at))
      this.#buffer = this.#buffer.slice(at)
    }
    return chunks
  }

  /** The unterminated rest, once the model is done. */
  flush(): string[] {
    const rest = this.#buffer
    this.#buffer = ''
    return rest.trim() ? [rest] : []
  }
}
