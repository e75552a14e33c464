/**
 * The no-op fast path (`src/cli/noop.ts`, issue 17 goal 4): a no-op `mochi install` and
 * `mochi lock --check --offline` answered from a stamp print what the full path prints and exit
 * with its status (real CLI subprocesses, the full path forced with `MOCHI_NO_FAST_PATH=1`), and
 * every change the full path would act on makes the stamp not answer (each checked in-process
 * with the same inputs, then the CLI shown doing the full path's work).
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, writeProject, writeRegistry } from "./helpers.ts";
import { answerNoop, probeNoop, watchedStamp } from "../src/cli/noop.ts";
import { indexPath } from "../src/index/mod.ts";

const INSTALL = ["install"];
const LOCK_CHECK = ["lock", "--check", "--offline"];

interface Fixture {
  dir: string;
  project: string;
  home: string;
  registry: string;
  env: Record<string, string>;
}

/** A registry of three packages, a project using them, installed; its trees past the racy window. */
async function installed(): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "mochi-noop-" });
  const registry = `${dir}/registry`;
  await writeRegistry(registry, [
    { name: "app-core", version: "1.2.0", deps: { "text-util": "^0.3", "log-lite": "1" } },
    { name: "text-util", version: "0.3.4", deps: { "log-lite": "^1.0" } },
    { name: "log-lite", version: "1.0.0" },
  ]);
  const project = `${dir}/project`;
  await writeProject(project, { "app-core": "1" });
  const home = `${dir}/home`;
  const env = { MOCHI_HOME: home, MOCHI_REGISTRY: registry };
  const first = await runCli(INSTALL, { cwd: project, env });
  assertEquals(first.code, 0, first.stderr);
  // Entries changed within 3 s are racily clean: no stamp trusts them yet (git's rule).
  await new Promise((r) => setTimeout(r, 3100));
  return { dir, project, home, registry, env };
}

/** Whether the stamp answers this command line now, in-process with the subprocess's inputs. */
async function answers(f: Fixture, argv: string[], env = f.env): Promise<boolean> {
  const all = { ...Deno.env.toObject(), NO_COLOR: "1", ...env };
  const probe = await probeNoop(argv, all, f.project);
  return probe !== undefined && (await answerNoop(probe, performance.now())) !== undefined;
}

/** Runs a command until its stamp answers (a full no-op run writes it). */
async function stamped(f: Fixture, argv: string[]): Promise<void> {
  for (let i = 0; i < 3 && !(await answers(f, argv)); i++) {
    const r = await runCli(argv, { cwd: f.project, env: f.env });
    assertEquals(r.code, 0, r.stderr);
  }
  assert(await answers(f, argv), `no stamp answers mochi ${argv.join(" ")}`);
}

const timing = (s: string) => s.replace(/ in [0-9.]+ m?s$/m, " in <t>");

/** Runs a command line with the fast path allowed, then forced off: same status and output. */
async function sameAsFull(f: Fixture, argv: string[]): Promise<number> {
  const fast = await runCli(argv, { cwd: f.project, env: f.env });
  const full = await runCli(argv, { cwd: f.project, env: { ...f.env, MOCHI_NO_FAST_PATH: "1" } });
  assertEquals(fast.code, full.code, `${fast.stderr}\n---\n${full.stderr}`);
  assertEquals(timing(fast.stdout), timing(full.stdout));
  assertEquals(fast.stderr, full.stderr);
  return fast.code;
}

Deno.test("a no-op install and lock --check --offline print and exit the same from the stamp as on the full path", async () => {
  const f = await installed();
  try {
    for (const argv of [INSTALL, LOCK_CHECK]) {
      await stamped(f, argv);
      const fast = await runCli(argv, { cwd: f.project, env: f.env });
      const full = await runCli(argv, {
        cwd: f.project,
        env: { ...f.env, MOCHI_NO_FAST_PATH: "1" },
      });
      assertEquals(fast.code, full.code);
      assertEquals(fast.code, 0);
      assertEquals(timing(fast.stdout), timing(full.stdout));
      assertEquals(fast.stderr, full.stderr);
      assert(fast.stdout.length > 0);
    }
    // Another command line (-v, --json, another flag) never takes the fast path.
    const all = { ...Deno.env.toObject(), ...f.env };
    for (const argv of [["install", "-v"], ["install", "--offline"], ["lock", "--check"]]) {
      assertEquals(await probeNoop(argv, all, f.project), undefined);
    }
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("an edited file in an installed tree or a damaged blob takes the full path, which repairs it", async () => {
  const f = await installed();
  try {
    await stamped(f, INSTALL);
    const extracted = `${f.home}/store/extracted`;
    const tree = `${extracted}/${[...Deno.readDirSync(extracted)][0]!.name}`;
    const readme = `${tree}/README.md`;
    const original = await Deno.readTextFile(readme);
    await Deno.writeTextFile(readme, original + "tampered\n");
    assertEquals(await answers(f, INSTALL), false);
    let r = await runCli(INSTALL, { cwd: f.project, env: f.env });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await Deno.readTextFile(readme), original);

    // A blob with other bytes of the same size: the fast path re-hashes it as the full path does.
    await new Promise((r) => setTimeout(r, 3100));
    await stamped(f, INSTALL);
    const b3 = tree.slice(tree.lastIndexOf("/") + 1);
    const blob = `${f.home}/store/blobs/${b3.slice(0, 2)}/${b3.slice(2, 4)}/${b3}`;
    const bytes = await Deno.readFile(blob);
    const damaged = bytes.slice();
    damaged[damaged.length - 1]! ^= 0xff;
    await Deno.writeFile(blob, damaged);
    assertEquals(await answers(f, INSTALL), false);
    r = await runCli(INSTALL, { cwd: f.project, env: f.env });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await Deno.readFile(blob), bytes);
    assert(r.stdout.includes("Fetched 1 packages"), r.stdout);
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("a changed manifest, lock, environment, source import, workspace root or index takes the full path", async () => {
  const f = await installed();
  try {
    await stamped(f, INSTALL);
    await stamped(f, LOCK_CHECK);
    const manifestPath = `${f.project}/mochi.toml`;
    const lockPath = `${f.project}/mochi.lock`;
    const manifest = await Deno.readTextFile(manifestPath);
    const lock = await Deno.readTextFile(lockPath);
    const both = async (expected: boolean, env = f.env) => {
      assertEquals(await answers(f, INSTALL, env), expected);
      assertEquals(await answers(f, LOCK_CHECK, env), expected);
    };
    await both(true);

    // mochi.toml: a new dependency (the full path reports the lock stale).
    await Deno.writeTextFile(manifestPath, manifest + 'log-lite = "1"\n');
    await both(false);
    assertEquals(await sameAsFull(f, LOCK_CHECK), 1);
    await Deno.writeTextFile(manifestPath, manifest);
    await both(true);

    // mochi.lock: one version changed (the full path reports the difference).
    await Deno.writeTextFile(lockPath, lock.replace('version = "1.0.0"', 'version = "1.0.1"'));
    await both(false);
    assertEquals(await sameAsFull(f, LOCK_CHECK), 1);
    await Deno.writeTextFile(lockPath, lock);
    await both(true);

    // An environment variable mochi reads (another platform, another registry).
    await both(false, { ...f.env, MOCHI_PLATFORM: "windows-x86_64" });
    await both(false, { ...f.env, MOCHI_REGISTRY: `${f.registry}/` });

    // A source that imports from another language: its bridge must run.
    await Deno.mkdir(`${f.project}/src`, { recursive: true });
    await Deno.writeTextFile(`${f.project}/src/main.mochi`, 'import rust "serde@1" as serde\n');
    await both(false);
    await Deno.remove(`${f.project}/src`, { recursive: true });
    await both(true);

    // A temp lockfile a killed run left (the full path removes it).
    await Deno.writeTextFile(`${f.project}/.mochi.lock.0123abcd.tmp`, "");
    await both(false);
    await Deno.remove(`${f.project}/.mochi.lock.0123abcd.tmp`);

    // A mochi.toml above: the project may be a workspace member.
    await Deno.writeTextFile(`${f.dir}/mochi.toml`, '[workspace]\nmembers = ["project"]\n');
    await both(false);
    await Deno.remove(`${f.dir}/mochi.toml`);
    await both(true);

    // The index offline resolution reads: a locked version gone (lock --check re-resolves).
    const index = `${f.registry}/${indexPath("log-lite")}`;
    const text = await Deno.readTextFile(index);
    await Deno.writeTextFile(index, "");
    assertEquals(await answers(f, LOCK_CHECK), false);
    assertEquals(await answers(f, INSTALL), true); // install reads no index once checked
    assert(await sameAsFull(f, LOCK_CHECK) !== 0);
    await Deno.writeTextFile(index, text);
    assertEquals(await answers(f, LOCK_CHECK), false); // rewritten: another ctime

    // The lock's recorded index check gone: the full install checks the index again.
    await Deno.remove(`${f.home}/state/checked-locks`, { recursive: true });
    assertEquals(await answers(f, INSTALL), false);
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("a stale last-use record is touched by the fast path as by the full path; a stamp others can write is ignored", async () => {
  const f = await installed();
  try {
    await stamped(f, INSTALL);
    const blobs: string[] = [];
    const walk = (d: string) => {
      for (const e of Deno.readDirSync(d)) {
        if (e.isDirectory) walk(`${d}/${e.name}`);
        else blobs.push(`${d}/${e.name}`);
      }
    };
    walk(`${f.home}/store/blobs`);
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const b of blobs) await Deno.utime(b, hourAgo, hourAgo);
    assert(await answers(f, INSTALL)); // the fast path answers, and touches each blob
    for (const b of blobs) {
      assert(Date.now() - (await Deno.stat(b)).mtime!.getTime() < 60_000, `${b} not touched`);
    }
    for (const b of blobs) await Deno.utime(b, hourAgo, hourAgo);
    assertEquals(await sameAsFull(f, INSTALL), 0);
    for (const b of blobs) {
      assert(Date.now() - (await Deno.stat(b)).mtime!.getTime() < 60_000, `${b} not touched`);
    }

    const noop = `${f.home}/state/noop`;
    for (const e of Deno.readDirSync(noop)) await Deno.chmod(`${noop}/${e.name}`, 0o666);
    assertEquals(await answers(f, INSTALL), false);
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("watchedStamp: a file's change, a new file and a racy entry are seen; a skipped name is not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mochi-watch-" });
  try {
    await Deno.mkdir(`${dir}/index/ab`, { recursive: true });
    await Deno.mkdir(`${dir}/blobs`);
    await Deno.writeTextFile(`${dir}/index/ab/x`, "1");
    const trees = [{ dir, skip: ["blobs"] }, { dir: `${dir}/absent`, skip: [] }];
    const s = await watchedStamp(trees);
    assert(s !== undefined);
    assertEquals(await watchedStamp(trees, Date.now() - 60_000), undefined); // changed since
    await Deno.writeTextFile(`${dir}/blobs/y`, "2");
    assertEquals(await watchedStamp(trees), s);
    await Deno.writeTextFile(`${dir}/index/ab/z`, "3");
    const s2 = await watchedStamp(trees);
    assert(s2 !== s);
    await Deno.writeTextFile(`${dir}/index/ab/x`, "4");
    assert(await watchedStamp(trees) !== s2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
