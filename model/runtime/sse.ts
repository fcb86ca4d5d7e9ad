// An incremental parser for Server-Sent Events (the WHATWG "text/event-stream" format that OpenAI-compatible servers
// stream completions in). Bytes arrive in arbitrary pieces: a line, an event or a UTF-8 character may be split
// across chunks. feed() returns the events completed by that piece; end() the last one if the stream ended without
// the blank line that closes it. Pure: no I/O.

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  readonly event: string;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
}

export class SseParser {
  readonly #decoder = new TextDecoder("utf-8");
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #hasData = false;

  /** Parses one piece of the stream; returns the events it completed, in order. */
  feed(chunk: Uint8Array | string): SseEvent[] {
    this.#buffer += typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    const out: SseEvent[] = [];
    for (;;) {
      const nl = this.#buffer.search(/\r\n|\r|\n/);
      if (nl < 0) break;
      // A lone "\r" at the end may be the first half of "\r\n": wait for the next piece.
      if (this.#buffer[nl] === "\r" && nl === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + (this.#buffer.startsWith("\r\n", nl) ? 2 : 1));
      const ev = this.#line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  /** The stream ended: the pending event, if any (servers may close without the final blank line). */
  end(): SseEvent[] {
    this.#buffer += this.#decoder.decode();
    const out: SseEvent[] = [];
    if (this.#buffer.length > 0) {
      const ev = this.#line(this.#buffer);
      this.#buffer = "";
      if (ev) out.push(ev);
    }
    const last = this.#dispatch();
    if (last) out.push(last);
    return out;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return undefined; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.#data.push(value);
      this.#hasData = true;
    } else if (field === "event") this.#event = value;
    return undefined; // id, retry and unknown fields do not matter here
  }

  #dispatch(): SseEvent | undefined {
    const ev = this.#hasData ? { event: this.#event || "message", data: this.#data.join("\n") } : undefined;
    this.#event = "";
    this.#data = [];
    this.#hasData = false;
    return ev;
  }
}
