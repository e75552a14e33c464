/**
 * Lock merge repair (issue 18 item 5) through real git branches and the real CLI: two branches
 * each add a different dependency (and one also updates a package), `git merge` leaves
 * `mochi.lock` with conflict markers, and `mochi lock` or `mochi install` repairs it: both sides
 * taken, re-resolved against the merged manifest, the versions both sides agree on kept (even
 * when a newer one appeared since), the disagreement and each side's addition printed.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, type TestVersion, writeRegistry } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";

async function git(cwd: string, env: Record<string, string>, ...args: string[]) {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args],
    cwd,
    env: { ...env, GIT_CONFIG_NOSYSTEM: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

const MANIFEST = (extraTop: string, extraBottom: string) =>
  [
    "[package]",
    'name = "app"',
    'version = "0.1.0"',
    'edition = "2026"',
    'mochi = ">=0.7"',
    "",
    "[dependencies]",
    ...(extraTop ? [extraTop] : []),
    'lib = "1"',
    'util = "2"',
    ...(extraBottom ? [extraBottom] : []),
    "",
  ].join("\n");

function versionsOf(text: string): string[] {
  return parseLockfile(text).packages.map((p) => `${p.name} ${p.version}`);
}

Deno.test("lock merge: a lock conflicted by merging two real git branches is repaired by mochi lock and by install", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    const published: TestVersion[] = [
      { name: "alpha", version: "1.0.0" },
      { name: "beta", version: "1.0.0" },
      { name: "lib", version: "1.0.0" },
      { name: "util", version: "2.0.0" },
    ];
    await writeRegistry(registry, published);
    const project = `${sb.root}/project`;
    await Deno.mkdir(project);
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    const gitEnv = { HOME: sb.env.HOME!, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
    const cli = (...args: string[]) => runCli([...args, "-C", project], { env });
    const g = async (...args: string[]) => {
      const r = await git(project, gitEnv, ...args);
      assertEquals(r.code, 0, `git ${args.join(" ")}: ${r.text}`);
      return r.text;
    };

    await Deno.writeTextFile(`${project}/mochi.toml`, MANIFEST("", ""));
    assertEquals((await cli("lock")).code, 0);
    await g("init", "-q", "-b", "main");
    await g("add", "mochi.toml", "mochi.lock");
    await g("commit", "-q", "-m", "base");

    published.push({ name: "util", version: "2.0.1" }, { name: "util", version: "2.0.2" });
    await writeRegistry(registry, published);

    // Branch "topic": adds alpha at the top of [dependencies] and moves util to 2.0.2.
    await g("checkout", "-q", "-b", "topic");
    await Deno.writeTextFile(`${project}/mochi.toml`, MANIFEST('alpha = "1"', ""));
    const up = await cli("update", "util", "--precise", "2.0.2");
    assertEquals(up.code, 0, up.stdout + up.stderr);
    assertEquals(versionsOf(await Deno.readTextFile(`${project}/mochi.lock`)), [
      "alpha 1.0.0",
      "lib 1.0.0",
      "util 2.0.2",
    ]);
    await g("commit", "-q", "-am", "add alpha, update util");

    // Branch "main": adds beta at the bottom and moves util to 2.0.1.
    await g("checkout", "-q", "main");
    await Deno.writeTextFile(`${project}/mochi.toml`, MANIFEST("", 'beta = "1"'));
    assertEquals((await cli("update", "util", "--precise", "2.0.1")).code, 0);
    assertEquals(versionsOf(await Deno.readTextFile(`${project}/mochi.lock`)), [
      "beta 1.0.0",
      "lib 1.0.0",
      "util 2.0.1",
    ]);
    await g("commit", "-q", "-am", "add beta, update util");

    // A newer lib appears: both sides locked 1.0.0, so the repair must keep it.
    published.push({ name: "lib", version: "1.0.1" });
    await writeRegistry(registry, published);

    const merge = await git(project, gitEnv, "merge", "--no-edit", "topic");
    assert(merge.code !== 0, merge.text);
    assert(merge.text.includes("CONFLICT (content): Merge conflict in mochi.lock"), merge.text);
    assert(!merge.text.includes("conflict in mochi.toml"), merge.text);
    const conflicted = await Deno.readTextFile(`${project}/mochi.lock`);
    assert(conflicted.includes("<<<<<<< HEAD") && conflicted.includes(">>>>>>> topic"));
    assertEquals(
      await Deno.readTextFile(`${project}/mochi.toml`),
      MANIFEST('alpha = "1"', 'beta = "1"'),
    );

    // --locked may not rewrite it: the conflict is reported with the way out.
    const refused = await cli("install", "--locked");
    assertEquals(refused.code, 1, refused.stdout + refused.stderr);
    assert(refused.stderr.includes("LOCK_E007"), refused.stderr);

    const repaired = await cli("lock");
    assertEquals(repaired.code, 0, repaired.stdout + repaired.stderr);
    const out = repaired.stdout;
    assert(out.includes("kept 1 version(s) both sides agreed on"), out);
    assert(out.includes("chose util 2.0.2 (ours 2.0.1, theirs 2.0.2)"), out);
    assert(out.includes("kept alpha 1.0.0 (only theirs)"), out);
    assert(out.includes("kept beta 1.0.0 (only ours)"), out);
    assert(out.includes("4 packages, 3 change(s)"), out);
    const lockText = await Deno.readTextFile(`${project}/mochi.lock`);
    assertEquals(versionsOf(lockText), ["alpha 1.0.0", "beta 1.0.0", "lib 1.0.0", "util 2.0.2"]);
    assertEquals((await cli("lock", "--check")).code, 0);

    // install repairs the same conflict to the same bytes, and installs.
    await Deno.writeTextFile(`${project}/mochi.lock`, conflicted);
    const installed = await cli("install");
    assertEquals(installed.code, 0, installed.stdout + installed.stderr);
    assert(installed.stdout.includes("chose util 2.0.2 (ours 2.0.1, theirs 2.0.2)"));
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lockText);
    assertEquals((await cli("install", "--locked")).code, 0);

    // The merge can be committed.
    await g("add", "mochi.lock");
    await g("commit", "-q", "--no-edit");
    assertEquals((await g("status", "--porcelain")).trim(), "");
  });
});
