/**
 * Durations for `mochi cache prune --older-than DUR`: a whole number followed by a unit,
 * `s`, `m`, `h`, `d` or `w` (`30d`, `12h`, `90m`); a bare `0` means "now".
 *
 * @module
 */
import { MochiError } from "../errors.ts";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parse a duration.
 *
 * @param text e.g. `30d`, `12h`, `0`
 * @returns the duration in milliseconds
 * @throws {MochiError} `CLI_E001` naming the text when it is not `<digits><unit>` or `0`
 */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const m = /^([0-9]{1,9})([smhdw])$/.exec(text.trim());
  if (!m) {
    throw new MochiError("CLI_E001", `"${text}" is not a duration`, {
      hint: "write a whole number and a unit: 30d, 12h, 90m, 45s, 2w (or 0)",
    });
  }
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
