/**
 * "Nothing outside the temp roots": a guard that records the repository's untracked and
 * modified files and the default mochi home (`~/.cache/mochi`, `$XDG_CACHE_HOME/mochi`) before a
 * test, and asserts after it that neither changed. Tests keep every file they write under their
 * own `Deno.makeTempDir()` roots (MOCHI_HOME, registries, projects); this catches any that leak.
 *
 * @module
 */
import { ROOT, snapshotTree } from "./helpers.ts";

async function gitStatus(): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["status", "--porcelain=v1", "--untracked-files=all"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  // Other test files run in parallel; only paths outside the ignored .cache/ count.
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l && !l.includes(".cache/"))
    .sort().join("\n");
}

function defaultHomes(): string[] {
  const homes: string[] = [];
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) homes.push(`${xdg}/mochi`);
  const home = Deno.env.get("HOME");
  if (home) homes.push(`${home}/.cache/mochi`);
  return homes;
}

/**
 * Takes the "before" picture.
 *
 * @returns a function that throws when anything outside the temp roots changed since
 */
export async function strayGuard(): Promise<() => Promise<void>> {
  const before = await gitStatus();
  const homes = defaultHomes();
  const homesBefore = await Promise.all(homes.map((h) => snapshotTree(h)));
  return async () => {
    const after = await gitStatus();
    if (after !== before) {
      throw new Error(
        `files appeared or changed in the repository:\n${after}\n(before:\n${before})`,
      );
    }
    const homesAfter = await Promise.all(homes.map((h) => snapshotTree(h)));
    homes.forEach((h, i) => {
      if (homesAfter[i]!.join("\n") !== homesBefore[i]!.join("\n")) {
        throw new Error(`the default mochi home ${h} changed during the test`);
      }
    });
  };
}

/**
 * `Deno.test` with {@link strayGuard} around the test: the test fails when it left a file in the
 * repository or changed the default mochi home (issue 7: every test asserts it left nothing
 * outside its temp roots).
 *
 * @param nameOrDefinition the test name, or a full test definition
 * @param fn the test body (with the name form)
 */
export function guardedTest(
  nameOrDefinition: string | Deno.TestDefinition,
  fn?: (t: Deno.TestContext) => void | Promise<void>,
): void {
  const def: Deno.TestDefinition = typeof nameOrDefinition === "string"
    ? { name: nameOrDefinition, fn: fn! }
    : nameOrDefinition;
  const body = def.fn;
  Deno.test({
    ...def,
    async fn(t) {
      const check = await strayGuard();
      await body(t);
      await check();
    },
  });
}
