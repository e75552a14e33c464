/**
 * `mochi init [--name N] [--lib]` and `mochi new <dir>`: start a project, as `cargo init`/
 * `cargo new` and `uv init` do. The `mochi.toml` written has every key `[package]` requires
 * (name, version, edition, compiler range), an empty `[dependencies]` table and a commented
 * `[registry]` table to fill in; a starter source (`src/main.mochi`, or `src/lib.mochi` with
 * `lib`) is written when the project has none; `.gitignore` gets `/target/` (where `mochi pack`
 * writes) unless it already ignores it. `mochi install` works right after (there is nothing to
 * fetch). Nothing that exists is overwritten.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { EDITION, parseManifest } from "../manifest/mod.ts";
import { packageNameProblem } from "../manifest/names.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";

/** Options of {@link initProject} and {@link newProject}. */
export interface InitOptions {
  /** The project directory (created by {@link newProject}; must exist for {@link initProject}). */
  dir: string;
  /** `--name`: the package name; default the directory's name, made a valid package name. */
  name?: string;
  /** `--lib`: a library (starter `src/lib.mochi`) instead of a program (`src/main.mochi`). */
  lib?: boolean;
}

/** What {@link initProject} wrote. */
export interface InitReport {
  /** The package name written. */
  name: string;
  /** Path of the `mochi.toml` written. */
  manifestPath: string;
  /** Files written, relative to the project directory, in the order written. */
  created: string[];
  /** Whether `/target/` was added to an existing `.gitignore` (false: created or left). */
  gitignoreUpdated: boolean;
}

/** The compiler range a new project asks for. */
export const NEW_PROJECT_COMPILER_RANGE = ">=0.7";

/**
 * The package name a directory's name gives: lowercased, runs of characters a name may not hold
 * turned into `-`, leading characters that are not letters dropped (`My App 2` → `my-app-2`).
 *
 * @param dirName the last path segment
 * @returns a candidate name (checked by the caller), possibly empty
 *
 * @example
 * ```ts
 * import { packageNameFromDir } from "./init.ts";
 * if (packageNameFromDir("My App 2") !== "my-app-2") throw new Error("unexpected name");
 * ```
 */
export function packageNameFromDir(dirName: string): string {
  return dirName.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
}

/**
 * The text of a new `mochi.toml`.
 *
 * @param name the package name (valid)
 * @returns the manifest text; it parses with no warning
 */
export function newManifestText(name: string): string {
  return [
    "[package]",
    `name = ${JSON.stringify(name)}`,
    'version = "0.1.0"',
    `edition = ${JSON.stringify(EDITION)}`,
    `mochi = ${JSON.stringify(NEW_PROJECT_COMPILER_RANGE)}`,
    "",
    "[dependencies]",
    "",
    "# Where packages come from (else the MOCHI_REGISTRY environment variable):",
    "# [registry]",
    '# default = "<registry URL or directory>"',
    "",
  ].join("\n");
}

/** The package name of a project in `dir`: `given`, else from the directory's name; checked. */
function projectName(dir: string, given: string | undefined): string {
  const dirName = dir.split("/").filter((s) => s).at(-1) ?? "";
  const name = given ?? packageNameFromDir(dirName);
  const problem = name === "" ? "it is empty" : packageNameProblem(name);
  if (problem !== undefined) {
    throw new MochiError(
      "MANIFEST_E003",
      given === undefined
        ? `the directory name "${dirName}" does not give a valid package name (${problem})`
        : `"${name}" is not a valid package name: ${problem}`,
      { hint: "pass --name <name>: lowercase letters, digits, - and _, starting with a letter" },
    );
  }
  return name;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Makes the directory at `dir` a project: see the module doc.
 *
 * @param options directory, name, lib
 * @returns what was written
 * @throws {MochiError} `PROJECT_E004` when `mochi.toml` exists; `MANIFEST_E003` when the name
 *   (given or from the directory) is not a valid package name, with a `--name` hint
 */
export async function initProject(options: InitOptions): Promise<InitReport> {
  const dir = options.dir.replace(/\/+$/, "") || "/";
  const manifestPath = `${dir}/mochi.toml`;
  if (await exists(manifestPath)) {
    throw new MochiError("PROJECT_E004", `${manifestPath} already exists`, {
      hint: "this directory is a project already; edit its mochi.toml, or mochi new <dir> for " +
        "another one",
      file: manifestPath,
    });
  }
  const name = projectName(dir, options.name);
  const text = newManifestText(name);
  parseManifest(text, manifestPath); // the template is valid for every valid name
  const created: string[] = [];
  const enc = new TextEncoder();
  const starter = options.lib ? "src/lib.mochi" : "src/main.mochi";
  if (!(await exists(`${dir}/src`))) {
    await Deno.mkdir(`${dir}/src`);
    await writeFileAtomic(
      `${dir}/${starter}`,
      enc.encode(
        options.lib
          ? `// The ${name} library: what it exports goes here.\n`
          : `print("Hello from ${name}!")\n`,
      ),
    );
    created.push(starter);
  }
  let gitignoreUpdated = false;
  const gitignore = `${dir}/.gitignore`;
  if (await exists(gitignore)) {
    const old = await Deno.readTextFile(gitignore);
    if (!old.split(/\r?\n/).some((l) => /^\/?target\/?$/.test(l.trim()))) {
      const sep = old === "" || old.endsWith("\n") ? "" : "\n";
      await writeFileAtomic(gitignore, enc.encode(`${old}${sep}/target/\n`));
      gitignoreUpdated = true;
    }
  } else {
    await writeFileAtomic(gitignore, enc.encode("/target/\n"));
    created.push(".gitignore");
  }
  // mochi.toml last: a run cut short leaves no manifest, so the next init starts over.
  await writeFileAtomic(manifestPath, enc.encode(text));
  created.unshift("mochi.toml");
  return { name, manifestPath, created, gitignoreUpdated };
}

/**
 * Creates `dir` and makes it a project ({@link initProject}); `cargo new`.
 *
 * @param options directory (must not exist, or be empty), name, lib
 * @returns what was written
 * @throws {MochiError} `PROJECT_E004` when `dir` exists and is not an empty directory; the
 *   errors of {@link initProject}
 */
export async function newProject(options: InitOptions): Promise<InitReport> {
  const dir = options.dir;
  projectName(dir, options.name); // refuse a bad name before creating anything
  let entries = 0;
  try {
    for await (const _ of Deno.readDir(dir)) {
      entries++;
      break;
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      await Deno.mkdir(dir, { recursive: true });
    } else if (e instanceof Deno.errors.NotADirectory) {
      entries = 1;
    } else throw e;
  }
  if (entries > 0) {
    throw new MochiError("PROJECT_E004", `${dir} already exists and is not empty`, {
      hint: `pick another directory, or run mochi init inside ${dir}`,
    });
  }
  return await initProject(options);
}
