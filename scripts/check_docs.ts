/**
 * The documentation check (`deno task check` runs it): `deno doc --lint` over every entry point of
 * the table (`scripts/_rooms.ts` `ENTRY_POINTS`), then `deno test --doc` over every source file
 * (tests excluded), so each JSDoc example type-checks and runs: an example that asserts fails
 * the check when its claim is false.
 *
 * `deno run -A scripts/check_docs.ts`.
 *
 * @module
 */
import { ENTRY_POINTS, isTestFile, REPO_ROOT } from "./_rooms.ts";

/** Every non-test `.ts` file of the library, repository-relative and sorted. */
export async function sourceFiles(root: string): Promise<string[]> {
  const files = ["mod.ts", "cli.ts"];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${root}/${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile && path.endsWith(".ts") && !isTestFile(path)) files.push(path);
    }
  };
  await walk("src");
  return files.sort();
}

async function run(args: string[]): Promise<boolean> {
  console.error(`$ deno ${args.slice(0, 4).join(" ")}${args.length > 4 ? " …" : ""}`);
  const { success } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return success;
}

if (import.meta.main) {
  const entries = [...new Set(Object.values(ENTRY_POINTS))];
  const lint = await run(["doc", "--lint", ...entries]);
  const examples = await run(["test", "--doc", "-A", ...(await sourceFiles(REPO_ROOT))]);
  if (!lint || !examples) Deno.exit(1);
}
