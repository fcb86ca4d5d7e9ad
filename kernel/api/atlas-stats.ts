// Codebook statistics over a reference set: for every code, how often it occurs, in how many images, at which
// positions, and which images hold it most. Pure: token ids in, plain numbers out (the atlas builder and its tests).

/** Usage of one code over the reference set. */
export interface CodeUsage {
  code: number;
  /** Occurrences over all positions of all images. */
  count: number;
  /** Images that hold the code at least once. */
  imageCount: number;
  /** [position, occurrences], most frequent first (ties: lower position first). */
  positions: [number, number][];
  /** The images that hold it most (most occurrences first, ties: lower index first), with its positions there. */
  top: { image: number; positions: number[] }[];
}

export interface CodebookStats {
  codebookSize: number;
  numTokens: number;
  imageCount: number;
  /** One per code, index = code. */
  codes: CodeUsage[];
}

/**
 * Counts every code of `ids` ([images][numTokens], each id in 0..codebookSize-1); keeps the `top` images per code.
 * Throws a RangeError naming the image and position of a sequence of the wrong length or an id out of range.
 */
export function codebookStats(
  ids: readonly (readonly number[])[],
  codebookSize: number,
  numTokens: number,
  top = 6,
): CodebookStats {
  const perPosition = new Int32Array(codebookSize * numTokens); // [K, N]
  const where: Map<number, number[]>[] = Array.from({ length: codebookSize }, () => new Map()); // code -> image -> positions
  ids.forEach((seq, image) => {
    if (seq.length !== numTokens)
      throw new RangeError(`codebookStats: image ${image} has ${seq.length} ids; expected ${numTokens}`);
    seq.forEach((code, position) => {
      if (!Number.isInteger(code) || code < 0 || code >= codebookSize)
        throw new RangeError(
          `codebookStats: image ${image}, position ${position}: id ${code} is outside 0..${codebookSize - 1}`,
        );
      perPosition[code * numTokens + position]! += 1;
      const m = where[code]!;
      const list = m.get(image);
      if (list) list.push(position);
      else m.set(image, [position]);
    });
  });
  const codes: CodeUsage[] = [];
  for (let code = 0; code < codebookSize; code++) {
    const positions: [number, number][] = [];
    let count = 0;
    for (let p = 0; p < numTokens; p++) {
      const n = perPosition[code * numTokens + p]!;
      if (n > 0) positions.push([p, n]);
      count += n;
    }
    positions.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const images = [...where[code]!.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
    codes.push({
      code,
      count,
      imageCount: images.length,
      positions,
      top: images.slice(0, top).map(([image, ps]) => ({ image, positions: ps })),
    });
  }
  return { codebookSize, numTokens, imageCount: ids.length, codes };
}

/** Codes in use, most used first (ties: lower code first); unused codes are left out. */
export function codesByUsage(stats: CodebookStats): number[] {
  return stats.codes
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || a.code - b.code)
    .map((c) => c.code);
}

/** Codes used at `position`, most used there first. */
export function codesAtPosition(stats: CodebookStats, position: number): { code: number; count: number }[] {
  return stats.codes
    .flatMap((c) => {
      const hit = c.positions.find(([p]) => p === position);
      return hit ? [{ code: c.code, count: hit[1] }] : [];
    })
    .sort((a, b) => b.count - a.count || a.code - b.code);
}
