/**
 * Where a registry's URL came from, for errors about that registry: a line of `mochi.toml`, the
 * `MOCHI_REGISTRY` variable, or a line of `mochi.lock` (a locked package's source). A user whose
 * install fails with "could not reach http://10.0.0.5/…" needs to know which setting to fix, as
 * cargo names the `.cargo/config.toml` key a registry came from.
 *
 * @module
 */
import { join } from "node:path";
import { MochiError } from "../errors.ts";
import { absoluteRegistryUrl } from "../install/sources.ts";

/** The codes of errors about reaching or reading a registry. */
const REGISTRY_CODES: ReadonlySet<string> = new Set([
  "INDEX_E002",
  "INDEX_E003",
  "INDEX_E004",
  "INDEX_E005",
  "INDEX_E008",
  "INDEX_E009",
  "BLOB_E002",
]);

async function readText(path: string): Promise<string | undefined> {
  try {
    const file = await Deno.open(path);
    try {
      // The manifest and lock are small; read at most 4 MiB of either for this note.
      const buf = new Uint8Array(4 * 1024 * 1024);
      let n = 0;
      for (;;) {
        const r = await file.read(buf.subarray(n));
        if (r === null || r === 0) break;
        n += r;
        if (n === buf.length) break;
      }
      return new TextDecoder().decode(buf.subarray(0, n));
    } finally {
      file.close();
    }
  } catch {
    return undefined;
  }
}

function resolves(raw: string, projectDir: string): string | undefined {
  try {
    return absoluteRegistryUrl(raw, projectDir);
  } catch {
    return undefined;
  }
}

/**
 * Each registry URL the project could have used, with where it is set.
 *
 * @param projectDir the project directory
 * @param env the environment (`MOCHI_REGISTRY`)
 * @returns URL (absolute, ending in `/`) → where it comes from, first setting first
 */
export async function registryOrigins(
  projectDir: string,
  env: Record<string, string>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const manifest = await readText(join(projectDir, "mochi.toml"));
  for (const [i, line] of (manifest ?? "").split("\n").entries()) {
    for (const m of line.matchAll(/"([^"]+)"|'([^']+)'/g)) {
      const url = resolves(m[1] ?? m[2]!, projectDir);
      if (url && /^\s*[A-Za-z0-9_.-]+\s*=/.test(line) && !out.has(url)) {
        out.set(url, `${join(projectDir, "mochi.toml")}:${i + 1}`);
      }
    }
  }
  if (env.MOCHI_REGISTRY) {
    const url = resolves(env.MOCHI_REGISTRY, projectDir);
    if (url && !out.has(url)) out.set(url, "the MOCHI_REGISTRY environment variable");
  }
  const lock = await readText(join(projectDir, "mochi.lock"));
  for (const [i, line] of (lock ?? "").split("\n").entries()) {
    const m = /^source = "registry\+([^"]+)"/.exec(line);
    const url = m ? resolves(m[1]!, projectDir) : undefined;
    if (url && !out.has(url)) out.set(url, `${join(projectDir, "mochi.lock")}:${i + 1}`);
  }
  return out;
}

/**
 * The error with a note of where the registry's URL came from, when it is about a registry whose
 * URL it names; otherwise the error itself.
 *
 * @param e the error a command ended with
 * @param projectDir the project directory
 * @param env the environment
 * @returns the error to print
 */
export async function withRegistryOrigin(
  e: unknown,
  projectDir: string,
  env: Record<string, string>,
): Promise<unknown> {
  if (!(e instanceof MochiError) || !REGISTRY_CODES.has(e.code)) return e;
  const origins = await registryOrigins(projectDir, env);
  let best: [string, string] | undefined;
  for (const [url, where] of origins) {
    if (e.message.includes(url) || e.message.includes(url.slice(0, -1))) {
      if (!best || url.length > best[0].length) best = [url, where];
    }
  }
  if (best === undefined) return e;
  const note = `the registry ${best[0]} is set in ${best[1]}`;
  return new MochiError(e.code, e.message, {
    hint: e.hint ? `${e.hint}; ${note}` : note,
    cause: e,
    ...(e.file !== undefined ? { file: e.file } : {}),
    ...(e.line !== undefined ? { line: e.line } : {}),
    ...(e.column !== undefined ? { column: e.column } : {}),
  });
}
