// A stable colour per visual-token id, the same in every view (HTML, renderer via the payload): hues spread by the
// golden angle so neighbouring ids look different, lightness in three bands, and a text colour chosen for contrast.

export interface TokenColor {
  /** CSS background colour, "hsl(h s% l%)". */
  background: string;
  /** "#000" or "#fff", whichever reads better on the background. */
  text: string;
}

/** The colour of token id `id` (any non-negative integer). */
export function tokenColor(id: number): TokenColor {
  if (!Number.isInteger(id) || id < 0) throw new RangeError(`tokenColor: id must be a non-negative integer, got ${id}`);
  const hue = Math.round((id * 137.508) % 360);
  const saturation = 55 + ((id >> 2) % 3) * 12; // 55, 67, 79
  const lightness = [42, 56, 70][id % 3]!;
  return {
    background: `hsl(${hue} ${saturation}% ${lightness}%)`,
    text: relativeLuminance(hue, saturation, lightness) > 0.4 ? "#000" : "#fff",
  };
}

/** WCAG relative luminance of an HSL colour (h in degrees, s and l in percent). */
function relativeLuminance(h: number, s: number, l: number): number {
  const sat = s / 100;
  const lig = l / 100;
  const k = (n: number): number => (n + h / 30) % 12;
  const a = sat * Math.min(lig, 1 - lig);
  const channel = (n: number): number => lig - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  const lin = (c: number): number => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(channel(0)) + 0.7152 * lin(channel(8)) + 0.0722 * lin(channel(4));
}
