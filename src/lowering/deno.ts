/**
 * Lowering to Deno: a capability set becomes a Deno 2.5+ permission set (the `permissions`
 * schema of deno.json: `read write net env run ffi sys import`), the same grant as explicit
 * `deno run` flags, a Worker `deno.permissions` object for per-package isolation, and a
 * merge into the project's `deno.json` that leaves the user's other keys untouched.
 *
 * The table is `capabilities/lowering-deno.json` (docs.deno.com, "Security and permissions").
 * `clock` and `random` have no Deno gate: they are recorded in {@link DenoLowering.unenforced} and
 * never turned into a flag. `sys` and `import` are always denied. Pure: no I/O.
 *
 * @module
 */
import TABLE from "../../capabilities/lowering-deno.json" with { type: "json" };
import { MochiError } from "../errors.ts";
import {
  type CapabilityName,
  normaliseCapability,
  parseCapability,
  sortCapabilities,
} from "../capability/mod.ts";

/** The permission names of a Deno permission set, in the order deno.json lists them. */
export const DENO_PERMISSIONS = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
  "import",
] as const;

/** One Deno permission name. */
export type DenoPermission = typeof DENO_PERMISSIONS[number];

/** A Deno permission set: `true` (everything), `false` (nothing) or an allow list. */
export type DenoPermissionSet = Record<DenoPermission, boolean | string[]>;

/** The result of {@link lowerToDeno}. */
export interface DenoLowering {
  /** The capabilities lowered (sorted, de-duplicated). */
  readonly capabilities: readonly string[];
  /** The permission set for deno.json (`permissions.default`, `compile.permissions`). */
  readonly permissions: DenoPermissionSet;
  /** `--allow-*` flags for the grant, then the fixed hardening flags of the table. */
  readonly flags: readonly string[];
  /** Capabilities declared but not enforced by Deno (`clock`, `random`). */
  readonly unenforced: readonly CapabilityName[];
  /** One note per lowered capability the table qualifies (`ffi` is a gate only, ...). */
  readonly notes: readonly string[];
}

interface TableEntry {
  permission: string | null;
  enforced: boolean;
  note?: string;
}
const ENTRIES = TABLE.capabilities as Record<string, TableEntry>;

/**
 * Files that hold the grant, relative to the project directory: `deno.json`, `mochi.lock`,
 * `mochi.toml`. Every run denies writing them (`--deny-write`), even under a wider `fs.write`,
 * so code run under `mochi run` cannot rewrite the lock that grants it (Deno checks a deny
 * list before an allow list). Limit (Deno's rule): code holding unscoped `fs.read` and unscoped
 * `fs.write` together may create a symbolic link and write through it.
 */
export const DENO_PROTECTED_FILES: readonly string[] = TABLE.protected_files;

/**
 * The fixed hardening flags of every run: `--no-prompt --no-remote --deny-sys --deny-import`,
 * then `--deny-write=deno.json,mochi.lock,mochi.toml` ({@link DENO_PROTECTED_FILES}).
 */
export const DENO_RUN_FLAGS: readonly string[] = [
  ...TABLE.run_flags,
  `--deny-write=${TABLE.protected_files.join(",")}`,
];

/**
 * Lowers capabilities to a Deno permission set and flags.
 *
 * An unscoped capability grants its permission entirely (`true`); scoped ones add their scopes
 * to an allow list (`net.dial:127.0.0.1:8080` → `net: ["127.0.0.1:8080"]`). `net.dial` and
 * `net.listen` share Deno's one `net` permission, kept apart only by their host:port lists.
 * Scopes are checked against their grammar (no `..`, no shell or control characters) and passed
 * in normal form (`data/` → `./data`): Deno reads relative paths against the working directory
 * (flags) or the config file's directory (deno.json); `mochi run` runs in the project directory,
 * so both agree.
 *
 * @param capabilities capability entries (from the lock and the root manifest)
 * @returns the {@link DenoLowering}
 * @throws {MochiError} CAP_E003 on an unknown capability or a scope outside its grammar; CAP_E005
 *   when a scope contains a comma (Deno's flag lists are comma-separated, so it cannot be
 *   expressed; the grammar already refuses it)
 */
export function lowerToDeno(capabilities: readonly string[]): DenoLowering {
  const caps = sortCapabilities(capabilities);
  const grant = new Map<DenoPermission, true | Set<string>>();
  const unenforced = new Set<CapabilityName>();
  const notes = new Set<string>();
  for (const entry of caps) {
    const cap = parseCapability(normaliseCapability(entry));
    const row = ENTRIES[cap.name]!;
    if (row!.note) notes.add(`${cap.name}: ${row.note}`);
    if (row!.permission === null) {
      unenforced.add(cap.name);
      continue;
    }
    const perm = row!.permission as DenoPermission;
    if (cap.scope === undefined) {
      grant.set(perm, true);
      continue;
    }
    if (cap.scope.includes(",")) {
      throw new MochiError(
        "CAP_E005",
        `capability "${entry}" cannot be lowered to Deno: its scope contains ","`,
        { hint: "Deno's --allow-* lists are comma-separated; rename the path or host" },
      );
    }
    const prev = grant.get(perm);
    if (prev === true) continue;
    const set = prev ?? new Set<string>();
    set.add(cap.scope);
    grant.set(perm, set);
  }
  const permissions = {} as DenoPermissionSet;
  for (const p of DENO_PERMISSIONS) {
    const g = grant.get(p);
    if (g === undefined || (TABLE.always_denied as string[]).includes(p)) {
      permissions[p] = false;
    } else {
      permissions[p] = g === true ? true : [...g].sort();
    }
  }
  return {
    capabilities: caps,
    permissions,
    flags: flagsOf(permissions),
    unenforced: [...unenforced].sort(),
    notes: [...notes].sort(),
  };
}

/** `--allow-*` flags for a permission set, then {@link DENO_RUN_FLAGS}. */
function flagsOf(permissions: DenoPermissionSet): string[] {
  const flags: string[] = [];
  for (const p of DENO_PERMISSIONS) {
    const g = permissions[p];
    if (g === true) flags.push(`--allow-${p}`);
    else if (g !== false) flags.push(`--allow-${p}=${g.join(",")}`);
  }
  return [...flags, ...DENO_RUN_FLAGS];
}

/**
 * A lowering with read access to one more directory, given by mochi itself rather than by
 * package metadata (the project directory `mochi run --isolate` lets workers import from), so
 * it is not held to the scope grammar: any absolute path Deno can take in a flag list.
 *
 * @param lowering a lowering from {@link lowerToDeno}
 * @param dir an absolute directory path
 * @returns the lowering with `dir` in `permissions.read` and the flags rebuilt
 * @throws {MochiError} CAP_E005 when `dir` contains a comma (Deno's flag lists are
 *   comma-separated) or is not absolute
 */
export function withReadAccess(lowering: DenoLowering, dir: string): DenoLowering {
  if (dir.includes(",") || !dir.startsWith("/")) {
    throw new MochiError(
      "CAP_E005",
      `the directory ${JSON.stringify(dir)} cannot be given to Deno as a read path`,
      { hint: "move the project to a directory whose path has no comma" },
    );
  }
  const read = lowering.permissions.read;
  if (read === true) return lowering;
  const permissions = {
    ...lowering.permissions,
    read: [...new Set([...(read === false ? [] : read), dir])].sort(),
  };
  return { ...lowering, permissions, flags: flagsOf(permissions) };
}

/**
 * The Worker `deno.permissions` object for a permission set (`new Worker(url, { type:
 * "module", deno: { permissions } })`, needs `--unstable-worker-options`), with read access to
 * `codeDirs` added: a worker must read its own package's modules to import them.
 *
 * @param set a permission set from {@link lowerToDeno}
 * @param codeDirs directories holding the package's own modules
 * @returns an object with every permission named (nothing is inherited)
 */
export function workerPermissions(
  set: DenoPermissionSet,
  codeDirs: readonly string[] = [],
): Record<DenoPermission, boolean | string[]> {
  const out = { ...set };
  if (codeDirs.length > 0 && out.read !== true) {
    out.read = [...new Set([...(out.read === false ? [] : out.read), ...codeDirs])].sort();
  }
  return out;
}

/** Options of {@link mergeDenoJson}. */
export interface DenoJsonMergeOptions {
  /** The entry module for `tasks.start` (default `main.ts`). */
  entry?: string;
  /** File name used in error messages (default `deno.json`). */
  file?: string;
}

/**
 * Merges a lowering into the text of a project's `deno.json`: sets `permissions.default` (what
 * `deno run -P` loads), `compile.permissions`, and `tasks.start` (an object with `command` —
 * `deno run -P` with the fixed hardening flags ({@link DENO_RUN_FLAGS}) and the entry, so no
 * scope or other package data ever reaches the task shell — and a `description` that records
 * the capabilities Deno does not enforce). Every other key, and the other named permission sets, stay as they
 * were; key order is kept.
 *
 * @param existing the current file text, or undefined when there is none
 * @param lowering the result of {@link lowerToDeno}
 * @param options entry module and file name
 * @returns the new file text (2-space JSON, final newline)
 * @throws {MochiError} CAP_E006 when the file is not a plain JSON object (JSONC comments
 *   included: they would be lost), or `permissions`/`compile`/`tasks` is not an object; CAP_E010
 *   when the entry is not one plain word for the task shell
 */
export function mergeDenoJson(
  existing: string | undefined,
  lowering: DenoLowering,
  options: DenoJsonMergeOptions = {},
): string {
  const file = options.file ?? "deno.json";
  let doc: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      doc = JSON.parse(existing);
    } catch (e) {
      throw new MochiError(
        "CAP_E006",
        `${file} is not plain JSON (${(e as Error).message}); mochi cannot merge into it`,
        {
          hint: "remove comments and trailing commas from deno.json, or move it aside",
          file,
        },
      );
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new MochiError("CAP_E006", `${file} is not a JSON object`, { file });
    }
  }
  const table = (key: string): Record<string, unknown> => {
    const v = doc[key];
    if (v === undefined) return (doc[key] = {}) as Record<string, unknown>;
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new MochiError("CAP_E006", `"${key}" in ${file} is not an object`, {
        hint: `make "${key}" an object, or remove it and run mochi lower again`,
        file,
      });
    }
    return v as Record<string, unknown>;
  };
  table("permissions").default = lowering.permissions;
  table("compile").permissions = lowering.permissions;
  const entry = options.entry ?? "main.ts";
  const unenforced = lowering.unenforced.length === 0
    ? ""
    : `; declared but not enforced (Deno has no gate): ${lowering.unenforced.join(", ")}`;
  table("tasks").start = {
    // No package data in the command: the grant is read from permissions.default (-P), and the
    // rest is fixed text and the entry, which must be one plain word.
    command: ["deno", "run", "-P", ...DENO_RUN_FLAGS, taskWord(entry, file)].join(" "),
    description: `written by mochi lower from mochi.lock: capabilities ${
      lowering.capabilities.length === 0 ? "(none)" : lowering.capabilities.join(", ")
    }${unenforced}`,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

/**
 * A word `deno task`'s shell reads as itself: letters, digits and `_ - . / @ + =`, not starting
 * with `-`. No quoting is attempted (the task shell has its own rules for quotes, `$`, globs
 * and `~`); anything else is refused.
 */
function taskWord(word: string, file: string): string {
  if (/^[A-Za-z0-9_./@+=][A-Za-z0-9_\-./@+=]*$/.test(word)) return word;
  throw new MochiError(
    "CAP_E010",
    `the entry module ${JSON.stringify(word)} cannot be written into the deno task command`,
    {
      hint: "name the entry with letters, digits and _ - . / @ + = only (no spaces, quotes " +
        "or shell characters), e.g. --entry main.ts",
      file,
    },
  );
}
