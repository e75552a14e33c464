/**
 * The documentation check (`deno task check` runs it): `deno doc --lint` over every entry point of
 * the table (`scripts/_rooms.ts` `ENTRY_POINTS`), then `deno test --doc` over every source file
 * (tests excluded), so each JSDoc example type-checks and runs: an example that asserts fails
 * the check when its claim is false. Before both, it fails when a source, test, script, bench or
 * Markdown file cites a document that is not in the repository (the design notes beside the
 * checkout): cite a public source or this repository's own docs instead.
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

/** Citations of documents that live outside the repository. */
const OUTSIDE =
  /\.\.\/shared\/|\bdecisions\.md\b|\bmep\d+[\w-]*\.md\b|\bMEP-\d+\b|\bresearch\/\w+\.md\b|\breliability\.md\b|\bprotocols\.md\b/;

/**
 * The lines of a text that cite a document outside the repository.
 *
 * @param text a file's text
 * @returns `[line number (1-based), line]` for each such line
 */
export function outsideCitations(text: string): [number, string][] {
  const found: [number, string][] = [];
  text.split("\n").forEach((line, i) => {
    if (OUTSIDE.test(line)) found.push([i + 1, line.trim()]);
  });
  return found;
}

async function citingFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${root}/${dir}`)) {
      const path = dir === "." ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory) {
        if (![".git", ".cache", "fixtures", "node_modules"].includes(e.name)) await walk(path);
      } else if (e.isFile && /\.(ts|md)$/.test(e.name)) {
        const hits = outsideCitations(await Deno.readTextFile(`${root}/${path}`));
        for (const [n, line] of hits) out.push(`${path}:${n}: ${line}`);
      }
    }
  };
  await walk(".");
  return out;
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
  const outside = (await citingFiles(REPO_ROOT)).filter((l) => !l.startsWith("scripts/check_docs"));
  for (const l of outside) console.error(`cites a document outside the repository: ${l}`);
  const entries = [...new Set(Object.values(ENTRY_POINTS))];
  const lint = await run(["doc", "--lint", ...entries]);
  const examples = await run(["test", "--doc", "-A", ...(await sourceFiles(REPO_ROOT))]);
  if (!lint || !examples || outside.length > 0) Deno.exit(1);
}
