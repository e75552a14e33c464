/**
 * The fixture library's compiler output for the native targets (`fixtures/fanout/lib/target/`
 * `rust`, `dotnet`, `beam`, `swift`) as {@link FanoutPackage}s, plus small tools the native
 * validators share: run a command, extract with the system `tar`/`unzip` (independent of the
 * packers' writers), hash with `node:crypto`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { ROOT } from "./helpers.ts";
import type { FanoutFile, FanoutPackage } from "../src/fanout/types.ts";
import { buildFanoutPackage } from "../src/fanout/build.ts";
import { readFanoutProject } from "../src/install/fanout.ts";

/** Where the fixture library lives. */
export const FIXTURE_LIB = `${ROOT}/fixtures/fanout/lib`;

async function walk(dir: string, base = ""): Promise<FanoutFile[]> {
  const out: FanoutFile[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = base === "" ? e.name : `${base}/${e.name}`;
    if (e.isDirectory) out.push(...await walk(`${dir}/${e.name}`, rel));
    else if (e.isFile) {
      out.push({ path: rel, bytes: await Deno.readFile(`${dir}/${e.name}`), executable: false });
    }
  }
  return out;
}

const TARGETS = { crates: "rust", nuget: "dotnet", hex: "beam", swiftpm: "swift" } as const;

/**
 * The fixture's package for one native ecosystem, built the way `mochi pack` builds it: the
 * project read by `readFanoutProject` (its `mochi.toml`, `out` folder, readme, capabilities) and
 * mapped by `buildFanoutPackage`; `over` replaces fields for a test's variant.
 */
export async function fixturePackage(
  ecosystem: "crates" | "nuget" | "hex" | "swiftpm",
  over: Partial<FanoutPackage> = {},
): Promise<FanoutPackage> {
  const project = await readFanoutProject(FIXTURE_LIB, { targets: [TARGETS[ecosystem]] });
  return { ...buildFanoutPackage(project, ecosystem), ...over };
}

/** Runs a command; returns its status and outputs as text. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.env === undefined ? {} : { env: opts.env }),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** Whether a tool is on PATH (a validator skips, saying so, only when it is not). */
export async function hasTool(cmd: string, args = ["--version"]): Promise<boolean> {
  try {
    return (await run(cmd, args)).code === 0;
  } catch {
    return false;
  }
}

/** Hex digest with node:crypto (the tests' own, independent of the packers' helpers). */
export function digest(alg: "sha256" | "sha512", bytes: Uint8Array): string {
  return createHash(alg).update(bytes).digest("hex");
}

/** Every regular file under a directory, as sorted relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  return (await walk(dir)).map((f) => f.path).sort();
}
