// The text of the notebook cell documents the client has opened (full sync), and LSP position <-> offset mapping.
// Positions are UTF-16 code units, like JavaScript string offsets, so no conversion beyond lines is needed.

export interface Position {
  line: number;
  character: number;
}

export class CellDocuments {
  private readonly texts = new Map<string, string>();

  set(uri: string, text: string): void {
    this.texts.set(uri, text);
  }

  delete(uri: string): void {
    this.texts.delete(uri);
  }

  /** The document's text and the offset of `pos` in it (clamped to the line), or undefined for an unknown uri. */
  offsetOf(uri: string, pos: Position): { text: string; offset: number } | undefined {
    const text = this.texts.get(uri);
    if (text === undefined) return undefined;
    let offset = 0;
    for (let line = 0; line < pos.line; line++) {
      const nl = text.indexOf("\n", offset);
      if (nl < 0) return { text, offset: text.length };
      offset = nl + 1;
    }
    const end = text.indexOf("\n", offset);
    const lineEnd = end < 0 ? text.length : end;
    return { text, offset: Math.min(offset + Math.max(0, pos.character), lineEnd) };
  }

  /** The line/character of `offset` in `text`. */
  positionOf(text: string, offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, text.length));
    let line = 0;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0 && nl < clamped; nl = text.indexOf("\n", start)) {
      line++;
      start = nl + 1;
    }
    return { line, character: clamped - start };
  }
}
