/**
 * Sandboxes for the reliability suite: each test gets its own temp root (HOME, XDG_CACHE_HOME,
 * MOCHI_HOME, TMPDIR all inside it) and a sentinel directory *outside* that root whose listing and
 * file hashes must not change. On the way out the sandbox asserts that nothing was written outside
 * its roots: the sentinel is unchanged, the repository tree has no new entries, the real
 * `~/.cache/mochi` is untouched and the system temp directory holds no store temp file (`*.part`,
 * `x-*`, `s-*.owner`, `.mochi.lock.*.tmp`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { assertEquals } from "./assert.ts";
import { ROOT } from "./helpers.ts";

/** A test's private roots and the environment to run mochi in them. */
export interface Sandbox {
  /** The temp root; everything the test creates lives below it. */
  root: string;
  /** `MOCHI_HOME` (store under `store/`, index cache under `index/`). */
  mochiHome: string;
  /** The store root, `<mochiHome>/store`. */
  store: string;
  /** The sentinel directory, outside `root`. */
  sentinel: string;
  /** Environment for `runCli`: HOME, XDG_CACHE_HOME, MOCHI_HOME, TMPDIR, MOCHI_TEST=1, and
   * DENO_DIR (the runner's, so the subprocess does not rebuild its module cache in HOME). */
  env: Record<string, string>;
}

let denoDirCache: string | undefined;

/** The DENO_DIR this test run uses, so subprocesses with a sandboxed HOME/XDG reuse its cache. */
async function denoDir(): Promise<string> {
  if (denoDirCache) return denoDirCache;
  const env = Deno.env.get("DENO_DIR");
  if (env) return (denoDirCache = env);
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  denoDirCache = JSON.parse(new TextDecoder().decode(out.stdout)).denoDir as string;
  return denoDirCache;
}

/** Hash every file under `dir` (sorted `path sha256` lines, directories as `path/`). */
export async function hashTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string) {
    const entries: Deno.DirEntry[] = [];
    try {
      for await (const e of Deno.readDir(d)) entries.push(e);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const full = `${d}/${e.name}`;
      const st = await Deno.lstat(full);
      if (st.isSymlink) out.push(`${p} -> ${await Deno.readLink(full)}`);
      else if (st.isDirectory) {
        out.push(`${p}/ ${(st.mode ?? 0) & 0o7777}`);
        await walk(full, p);
      } else {
        const h = createHash("sha256").update(await Deno.readFile(full)).digest("hex");
        out.push(`${p} ${h} ${(st.mode ?? 0) & 0o7777}`);
      }
    }
  }
  await walk(dir, "");
  return out.sort();
}

/** Names in the repository tree (no `.git`, no `.cache`), depth-first. */
async function repoNames(): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string) {
    for await (const e of Deno.readDir(d)) {
      if (rel === "" && (e.name === ".git" || e.name === ".cache")) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push(p);
      if (e.isDirectory && p !== "fixtures") await walk(`${d}/${e.name}`, p);
    }
  }
  await walk(ROOT, "");
  return out.sort();
}

const LEAK = /\.part$|^x-[0-9a-f]{16}-|^s-[0-9a-f-]+\.owner$|^\.mochi\.lock\..*\.tmp$/;

async function tempLeaks(): Promise<string[]> {
  const dir = Deno.env.get("TMPDIR") || "/tmp";
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (LEAK.test(e.name)) out.push(e.name);
  } catch {
    // no temp dir readable: nothing to compare
  }
  return out.sort();
}

async function realCacheNames(): Promise<string[]> {
  const home = Deno.env.get("HOME");
  if (!home) return [];
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${home}/.cache/mochi`)) out.push(e.name);
  } catch {
    return [];
  }
  return out.sort();
}

/**
 * Run `fn` in a fresh sandbox, then assert nothing escaped it and remove both roots.
 *
 * @param fn the test body
 */
export async function withSandbox(fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "mochi-rel-" });
  const sentinel = await Deno.makeTempDir({ prefix: "mochi-sentinel-" });
  try {
    await Deno.mkdir(`${sentinel}/nested`, { recursive: true });
    await Deno.writeTextFile(`${sentinel}/passwd`, "root:x:0:0:sentinel\n");
    await Deno.writeTextFile(`${sentinel}/nested/keep.txt`, "do not touch\n");
    for (const d of ["home", "xdg", "tmp", "mochi"]) await Deno.mkdir(`${root}/${d}`);
    const before = {
      sentinel: await hashTree(sentinel),
      repo: await repoNames(),
      cache: await realCacheNames(),
      leaks: await tempLeaks(),
    };
    const sb: Sandbox = {
      root,
      mochiHome: `${root}/mochi`,
      store: `${root}/mochi/store`,
      sentinel,
      env: {
        HOME: `${root}/home`,
        XDG_CACHE_HOME: `${root}/xdg`,
        MOCHI_HOME: `${root}/mochi`,
        TMPDIR: `${root}/tmp`,
        MOCHI_TEST: "1",
        DENO_DIR: await denoDir(),
      },
    };
    await fn(sb);
    assertEquals(await hashTree(sentinel), before.sentinel, "the sentinel directory changed");
    assertEquals(await repoNames(), before.repo, "files appeared in the repository tree");
    assertEquals(await realCacheNames(), before.cache, "the real ~/.cache/mochi changed");
    const newLeaks = (await tempLeaks()).filter((n) => !before.leaks.includes(n));
    assertEquals(newLeaks, [], "store temp files appeared in the system temp directory");
    assertEquals(await hashTree(`${root}/home`), [], "something wrote into HOME");
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.remove(sentinel, { recursive: true }).catch(() => {});
  }
}

/**
 * Assert the store has no temp files or session directories left (`<store>/tmp` empty or absent).
 *
 * @param store the store root
 */
export async function assertNoTemp(store: string): Promise<void> {
  const left: string[] = [];
  try {
    for await (const e of Deno.readDir(`${store}/tmp`)) left.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  assertEquals(left, [], "temp files left in the store");
}
