/**
 * `updateLock` (mochi update / mochi lock --upgrade <pkg>) against a registry directory: only the
 * named package moves (and what must move with it), `--precise` sets an exact version up or
 * down, `--dry-run` writes nothing, and an unknown name is refused with the nearest locked one.
 */
import assert from "node:assert/strict";
import { lock } from "../src/install/install.ts";
import { updateLock } from "../src/install/update.ts";
import { formatLockChange } from "../src/install/changes.ts";
import { MochiError } from "../src/errors.ts";
import { type TestVersion, writeProject, writeRegistry } from "./helpers.ts";

const OLD: TestVersion[] = [
  { name: "serde", version: "1.0.0", deps: { core: "^1.0" } },
  { name: "core", version: "1.0.0" },
  { name: "rand", version: "0.8.0" },
];
const NEW: TestVersion[] = [
  ...OLD,
  { name: "serde", version: "1.0.5", deps: { core: "^1.0" } },
  { name: "serde", version: "1.1.0", deps: { core: "^1.2" } },
  { name: "core", version: "1.2.0" },
  { name: "core", version: "1.3.0" },
  { name: "rand", version: "0.8.5" },
];

function lockedVersions(text: string): string[] {
  return [...text.matchAll(/name = "([^"]+)"\nversion = "([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
}

async function setup(): Promise<
  { tmp: string; app: string; opts: { projectDir: string; mochiHome: string; registryUrl: string } }
> {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-update-" });
  await writeRegistry(`${tmp}/reg`, OLD);
  const app = `${tmp}/app`;
  await writeProject(app, { serde: "1", rand: "0.8" });
  const opts = { projectDir: app, mochiHome: `${tmp}/home`, registryUrl: `${tmp}/reg` };
  await lock(opts);
  // Newer versions are published after the lock was written.
  await Deno.remove(`${tmp}/reg`, { recursive: true });
  await writeRegistry(`${tmp}/reg`, NEW);
  return { tmp, app, opts };
}

Deno.test("update <pkg> moves that package and what must move with it, nothing else", async () => {
  const { tmp, app, opts } = await setup();
  try {
    const before = await Deno.readTextFile(`${app}/mochi.lock`);
    assert.deepEqual(lockedVersions(before), ["core 1.0.0", "rand 0.8.0", "serde 1.0.0"]);

    const dry = await updateLock({ ...opts, packages: ["serde"], dryRun: true });
    assert.equal(dry.written, false);
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), before, "dry run writes nothing");
    assert.deepEqual(dry.changes.map(formatLockChange), [
      "~ core 1.0.0 → 1.3.0",
      "~ serde 1.0.0 → 1.1.0",
    ]);

    const r = await updateLock({ ...opts, packages: ["serde"] });
    assert.equal(r.written, true);
    // serde 1.1.0 needs core ^1.2, so core moves with it; rand keeps 0.8.0.
    assert.deepEqual(lockedVersions(await Deno.readTextFile(`${app}/mochi.lock`)), [
      "core 1.3.0",
      "rand 0.8.0",
      "serde 1.1.0",
    ]);

    const down = await updateLock({ ...opts, packages: ["serde"], precise: "1.0.5" });
    assert.deepEqual(down.changes.map(formatLockChange), ["~ serde 1.1.0 → 1.0.5"]);
    assert.deepEqual(lockedVersions(await Deno.readTextFile(`${app}/mochi.lock`)), [
      "core 1.3.0",
      "rand 0.8.0",
      "serde 1.0.5",
    ]);

    const all = await updateLock({ ...opts });
    assert.deepEqual(all.changes.map(formatLockChange), [
      "~ rand 0.8.0 → 0.8.5",
      "~ serde 1.0.5 → 1.1.0",
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("update refuses unknown names, impossible --precise, and keeps the lock", async () => {
  const { tmp, app, opts } = await setup();
  try {
    const before = await Deno.readTextFile(`${app}/mochi.lock`);
    await assert.rejects(
      updateLock({ ...opts, packages: ["sered"] }),
      (e: unknown) =>
        e instanceof MochiError && e.code === "PROJECT_E003" &&
        e.hint === 'did you mean "serde"?',
    );
    await assert.rejects(
      updateLock({ ...opts, packages: ["serde"], precise: "2.0.0" }),
      (e: unknown) => e instanceof MochiError && e.code === "SOLVER_E002",
    );
    await assert.rejects(
      updateLock({ ...opts, packages: ["serde", "rand"], precise: "1.0.5" }),
      (e: unknown) => e instanceof MochiError && e.code === "CLI_E001",
    );
    await assert.rejects(
      updateLock({ ...opts, packages: ["serde"], locked: true }),
      (e: unknown) => e instanceof MochiError && e.code === "LOCK_E002",
    );
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), before);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
