/**
 * What the npm and JSR packers share: the `[targets.typescript]` extra keys and the module
 * entry points (`exports`) of the TypeScript compiler output.
 *
 * The typescript target's output holds TypeScript sources (`mod.ts`) and, beside each, the
 * compiler's JavaScript and declarations (`mod.js`, `mod.d.ts`). JSR publishes the sources (as
 * `deno publish` does); npm publishes the JavaScript and declarations (as `tsc` + `npm publish`
 * do). `exports` names the sources; npm derives the JavaScript and declaration paths from them.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { closestName, editDistance } from "../edit_distance.ts";
import type { FanoutPackage } from "./types.ts";

/** The extra keys `[targets.typescript]` takes (the npm and JSR packers read them). */
export const TYPESCRIPT_EXTRA_KEYS: readonly string[] = ["exports", "engines"];

/** One export of the package: its subpath (`.`, `./format`) and the module file it names. */
export interface TsExport {
  /** `.` or `./<name>` (no `*`, no `..`). */
  subpath: string;
  /** Path of the module in the compiler output (`mod.ts`), no `./`. */
  module: string;
}

/** The extras, checked. */
export interface TypescriptExtra {
  /** The exports, sorted by subpath (`.` first). */
  exports: TsExport[];
  /** npm `engines` (e.g. `{ node: ">=18" }`), when given. */
  engines?: Record<string, string>;
}

const SOURCE = /\.(ts|mts|cts)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;
const SCRIPT = /\.(js|mjs|cjs)$/;
const SUBPATH = /^\.(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/** Whether a path is a TypeScript source (not a declaration file). */
export function isTsSource(path: string): boolean {
  return SOURCE.test(path) && !DECLARATION.test(path);
}

/** The JavaScript file the compiler emits for a TypeScript source (`a.ts` → `a.js`). */
export function emittedJs(source: string): string {
  return source.replace(/\.ts$/, ".js").replace(/\.mts$/, ".mjs").replace(/\.cts$/, ".cjs");
}

/** The declaration file the compiler emits for a source or script (`a.ts`/`a.js` → `a.d.ts`). */
export function emittedDts(path: string): string {
  return path.replace(/\.(ts|js)$/, ".d.ts").replace(/\.(mts|mjs)$/, ".d.mts").replace(
    /\.(cts|cjs)$/,
    ".d.cts",
  );
}

function didYouMeanWord(word: string, candidates: readonly string[]): string | undefined {
  const best = closestName(word, candidates);
  return editDistance(word, best) <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function bad(pkg: FanoutPackage, what: string, hint: string): MochiError {
  return new MochiError(
    "FANOUT_E008",
    `[targets.typescript] of ${pkg.mochi.name}: ${what}`,
    { hint },
  );
}

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks the typescript target's extra keys and works out the exports.
 *
 * Without `exports`, the package exports `.` = the first of `mod.ts`, `index.ts`, `mod.js`,
 * `index.js` the output holds (Deno's and npm's conventions).
 *
 * @param pkg the package (npm or JSR)
 * @returns the exports and engines
 * @throws {MochiError} `FANOUT_E008` for an unknown key (with a did-you-mean), a malformed
 *   `exports` or `engines`, or an export naming a file the output does not hold; `FANOUT_E007`
 *   when there is no entry module
 */
export function typescriptExtra(pkg: FanoutPackage): TypescriptExtra {
  const have = new Set(pkg.files.map((f) => f.path));
  for (const key of Object.keys(pkg.extra)) {
    if (!TYPESCRIPT_EXTRA_KEYS.includes(key)) {
      const near = didYouMeanWord(key, TYPESCRIPT_EXTRA_KEYS);
      throw bad(
        pkg,
        `unknown key ${JSON.stringify(key)}`,
        near
          ? `did you mean "${near}"?`
          : `the typescript target takes ${TYPESCRIPT_EXTRA_KEYS.join(", ")}`,
      );
    }
  }
  const exports: TsExport[] = [];
  const given = pkg.extra["exports"];
  if (given !== undefined) {
    if (!plainObject(given) || Object.keys(given).length === 0) {
      throw bad(
        pkg,
        "exports must be a table of subpath = module path",
        'e.g. exports = { "." = "mod.ts", "./format" = "format.ts" }',
      );
    }
    for (const [subpath, value] of Object.entries(given)) {
      if (!SUBPATH.test(subpath)) {
        throw bad(
          pkg,
          `export subpath ${JSON.stringify(subpath)} is not "." or "./<name>"`,
          "subpaths are `.` or `./name` (no wildcards, no ..)",
        );
      }
      if (typeof value !== "string") {
        throw bad(pkg, `export ${JSON.stringify(subpath)} is not a path string`, "give a path");
      }
      const module = value.replace(/^\.\//, "");
      if (!have.has(module) || !(isTsSource(module) || SCRIPT.test(module))) {
        throw bad(
          pkg,
          `export ${JSON.stringify(subpath)} names ${
            JSON.stringify(value)
          }, which is not a .ts or .js module of the compiler output`,
          `the output holds: ${[...have].slice(0, 10).join(", ")}`,
        );
      }
      exports.push({ subpath, module });
    }
  } else {
    const entry = ["mod.ts", "index.ts", "mod.js", "index.js"].find((p) => have.has(p));
    if (entry === undefined) {
      throw new MochiError(
        "FANOUT_E007",
        `the typescript output of ${pkg.mochi.name} has no entry module (mod.ts, index.ts, mod.js or index.js)`,
        { hint: 'compile the package first, or name the entry: exports = { "." = "<file>.ts" }' },
      );
    }
    exports.push({ subpath: ".", module: entry });
  }
  exports.sort((a, b) => (a.subpath < b.subpath ? -1 : a.subpath > b.subpath ? 1 : 0));
  const out: TypescriptExtra = { exports };
  const engines = pkg.extra["engines"];
  if (engines !== undefined) {
    if (!plainObject(engines) || !Object.values(engines).every((v) => typeof v === "string")) {
      throw bad(pkg, "engines must be a table of strings", 'e.g. engines = { node = ">=18" }');
    }
    out.engines = Object.fromEntries(
      Object.entries(engines as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  }
  return out;
}

/**
 * `JSON.stringify` with two-space indentation and a final newline, keys in insertion order (the
 * packers build objects in a fixed order, so the bytes are reproducible).
 */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
}

/** The last segment of a POSIX path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
