/**
 * Paths inside the store that trust no link (issue: a co-user of `$MOCHI_HOME` plants symbolic
 * links at `store/tmp`, `store/blobs/<aa>` or `store/extracted/<b3>` so that pruning deletes, or
 * installing writes, outside the store). Every directory below the store root is checked with
 * `lstat` before it is used: a link, or a file where a directory belongs, is refused
 * (`STORE_E002`), never followed. The root itself may be a link (a cache moved to another disk).
 *
 * Like cargo's and uv's caches this guards against accidents and a hostile co-user, not against a
 * race with one: a link swapped in between the check and the use is not caught; the store's own
 * files are created exclusively and renamed within checked directories. Reads may pass a
 * {@link CheckedDirs} so that each directory above the final component is checked once per store
 * session (a no-op install looks at hundreds of paths under the same few directories); the final
 * component is always checked, and writes, removals and every new session check again.
 *
 * @module
 */
import { isAbsolute, join, relative, sep } from "node:path";
import { MochiError } from "../../errors.ts";

/**
 * `lstat`, or undefined when the path does not exist.
 *
 * The call is synchronous inside ({@link lstatOrUndefinedSync}).
 *
 * @param path any path
 * @returns its own metadata (a link is reported as a link)
 * @throws the underlying `Deno.errors.*` other than `NotFound`
 */
// deno-lint-ignore require-await
export async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  return lstatOrUndefinedSync(path);
}

/**
 * `lstat`, or undefined when the path does not exist, synchronously: an `lstat` of a local path
 * takes microseconds, while an asynchronous op's hand-off to a worker thread and back costs tens
 * of microseconds, hundreds under load; a no-op install makes a few hundred of them.
 *
 * @param path any path
 * @returns its own metadata (a link is reported as a link)
 * @throws the underlying `Deno.errors.*` other than `NotFound`
 */
export function lstatOrUndefinedSync(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * The error for a path inside the store that is a link or not the kind it must be.
 *
 * @param path the path found
 * @param what what it is, e.g. `"a symbolic link"`
 * @returns a `STORE_E002` error (exit 4) naming the path
 */
export function plantedPathError(path: string, what: string): MochiError {
  return new MochiError(
    "STORE_E002",
    `${path} is ${what}; mochi never creates one there, so something else planted it`,
    {
      hint: "remove it (check who can write to the store: another user sharing MOCHI_HOME?) " +
        "and run the command again; nothing was written or deleted through it",
    },
  );
}

function partsBelow(root: string, path: string): string[] {
  // The usual case without node:path's relative() (it resolves both paths against the working
  // directory on every call, and a no-op install asks hundreds of times): `path` spelled as
  // `root`, a separator, then plain names.
  if (path.length > root.length + 1 && path.startsWith(root) && path[root.length] === sep) {
    const parts = path.slice(root.length + 1).split(sep);
    if (parts.every((p) => p !== "" && p !== "." && p !== ".." && !p.includes("/"))) return parts;
  }
  const rel = relative(root, path);
  if (rel === "") return [];
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new MochiError("INTERNAL_E001", `${path} is not inside the store ${root}`);
  }
  return rel.split(sep).filter((p) => p !== "");
}

/**
 * Directories below a store root already found to be real directories (not links) in this
 * session: a set of absolute paths. One per {@link FsStore} (a store session); never shared.
 */
export type CheckedDirs = Set<string>;

/**
 * Check that every directory between `root` (exclusive) and `path` (exclusive) is a real
 * directory, so using `path` cannot lead outside the store.
 *
 * @param root the store root
 * @param path a path inside it
 * @param checked directories already checked in this session (skipped, and added to on
 *   success); omit it to check every one (writes and removals do)
 * @returns false when one of them does not exist (then neither does `path`)
 * @throws {MochiError} `STORE_E002` when one is a link or not a directory
 */
// deno-lint-ignore require-await
export async function parentsAreReal(
  root: string,
  path: string,
  checked?: CheckedDirs,
): Promise<boolean> {
  // Synchronous inside, so checks running side by side do not each lstat the same directory.
  let at = root;
  for (const part of partsBelow(root, path).slice(0, -1)) {
    at = join(at, part);
    if (checked?.has(at)) continue;
    const st = lstatOrUndefinedSync(at);
    if (st === undefined) return false;
    if (st.isSymlink) throw plantedPathError(at, "a symbolic link");
    if (!st.isDirectory) throw plantedPathError(at, "not a directory");
    checked?.add(at);
  }
  return true;
}

/**
 * What is at `path` inside the store, its parents checked by {@link parentsAreReal}.
 *
 * @param root the store root
 * @param path a path inside it
 * @param checked directories already checked in this session (see {@link parentsAreReal})
 * @returns its `lstat` metadata (always read now), or undefined when it (or a parent) does not
 *   exist
 * @throws {MochiError} `STORE_E002` when a parent is a link or not a directory
 */
export async function lstatInStore(
  root: string,
  path: string,
  checked?: CheckedDirs,
): Promise<Deno.FileInfo | undefined> {
  if (!(await parentsAreReal(root, path, checked))) return undefined;
  return await lstatOrUndefined(path);
}

/**
 * Create `dir` (inside the store `root`) and its missing parents one level at a time, refusing
 * any component below `root` that is a symbolic link or not a directory.
 *
 * @param root the store root (created with its parents when missing)
 * @param dir a directory inside it
 * @throws {MochiError} `STORE_E002` on a link or a non-directory on the way
 */
export async function mkdirInStore(root: string, dir: string): Promise<void> {
  await Deno.mkdir(root, { recursive: true });
  let path = root;
  for (const part of partsBelow(root, dir)) {
    path = join(path, part);
    let st = await lstatOrUndefined(path);
    if (st === undefined) {
      try {
        await Deno.mkdir(path);
        continue;
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
        st = await Deno.lstat(path);
      }
    }
    if (st.isSymlink) throw plantedPathError(path, "a symbolic link");
    if (!st.isDirectory) throw plantedPathError(path, "not a directory");
  }
}
