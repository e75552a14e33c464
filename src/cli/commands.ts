/**
 * The command table: every `mochi` command's name, one-line summary, aliases and module, loaded
 * only when that command runs, so `mochi --help`, `mochi --version` and the everyday commands
 * never load the Sigstore, tar or SPDX libraries (start-up is part of every command's time).
 *
 * Adding a command: write `src/cli/commands/<name>.ts` exporting `command` (a
 * {@link CommandSpec}) and add one entry here.
 *
 * @module
 */
import type { CommandSpec } from "./command.ts";

/** One row of the command table. */
export interface CommandEntry {
  /** The name as typed; a sub-command is `group sub` (`cache prune`). */
  name: string;
  /** One line for `mochi --help`. */
  summary: string;
  /** Other names (`rm` for `remove`). */
  aliases?: readonly string[];
  /** Loads the command's module. */
  load(): Promise<{ command: CommandSpec }>;
}

/**
 * Loads a command module by a computed URL rather than a literal `import("./commands/x.ts")`:
 * Deno reads every literal dynamic import of the main module's graph at start-up, so with literals
 * each run read and checked the ~60 files of all 28 commands; now it reads the one it runs
 * (`mochi --version` went from 36 to 29 ms of CPU). `deno task check` type-checks every command
 * file directly (`deno check src/`), and `tests/cli_usage_test.ts` loads every command's `--help`.
 */
function loadCommand(path: string): Promise<{ command: CommandSpec }> {
  return import(new URL(path, import.meta.url).href);
}

/** Every command, in the order `mochi --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "install",
    summary: "resolve (or reuse mochi.lock), fetch and verify every package",
    load: () => loadCommand("./commands/install.ts"),
  },
  {
    name: "init",
    summary: "make the current directory a project (mochi.toml, starter source, .gitignore)",
    load: () => loadCommand("./commands/init.ts"),
  },
  {
    name: "new",
    summary: "create a directory and make it a project",
    load: () => loadCommand("./commands/new.ts"),
  },
  {
    name: "add",
    summary: "add a dependency to mochi.toml",
    load: () => loadCommand("./commands/add.ts"),
  },
  {
    name: "remove",
    summary: "remove dependencies from mochi.toml and relock",
    aliases: ["rm"],
    load: () => loadCommand("./commands/remove.ts"),
  },
  {
    name: "lock",
    summary: "write mochi.lock without fetching (--check only compares)",
    load: () => loadCommand("./commands/lock.ts"),
  },
  {
    name: "update",
    summary: "move locked packages to the newest versions allowed (named ones only, with names)",
    load: () => loadCommand("./commands/update.ts"),
  },
  {
    name: "outdated",
    summary: "list locked packages with newer versions (current, compatible, latest)",
    load: () => loadCommand("./commands/outdated.ts"),
  },
  {
    name: "fetch",
    summary: "download every locked Rust .crate, check its SHA-256, store it",
    load: () => loadCommand("./commands/fetch.ts"),
  },
  {
    name: "vendor",
    summary: "copy every locked package and crate into a directory, with their digests",
    load: () => loadCommand("./commands/vendor.ts"),
  },
  {
    name: "tree",
    summary: "show the locked dependency tree",
    load: () => loadCommand("./commands/tree.ts"),
  },
  {
    name: "why",
    summary: "show every path by which a package enters the graph",
    load: () => loadCommand("./commands/why.ts"),
  },
  {
    name: "why-capability",
    summary: "list the locked packages that require a capability",
    load: () => loadCommand("./commands/why_capability.ts"),
  },
  {
    name: "targets",
    summary: "list what each fan-out target (npm, pypi, maven, …) will produce",
    load: () => loadCommand("./commands/targets.ts"),
  },
  {
    name: "lower",
    summary: "lower the locked capabilities to a runtime's permissions",
    load: () => loadCommand("./commands/lower.ts"),
  },
  {
    name: "run",
    summary: "deno run an entry with exactly the lowered permissions",
    load: () => loadCommand("./commands/run.ts"),
  },
  {
    name: "compile",
    summary: "deno compile an entry with the lowered permissions baked in",
    load: () => loadCommand("./commands/compile.ts"),
  },
  {
    name: "sbom",
    summary: "write the SBOM of mochi.lock (CycloneDX 1.6 or SPDX 3.0.1 JSON)",
    load: () => loadCommand("./commands/sbom.ts"),
  },
  {
    name: "audit",
    summary: "match every locked package and crate against OSV advisories",
    load: () => loadCommand("./commands/audit.ts"),
  },
  {
    name: "audit fix",
    summary: "move affected packages to the lowest fixed version the requirements allow",
    load: () => loadCommand("./commands/audit_fix.ts"),
  },
  {
    name: "provenance",
    summary: "verify and show a locked package's SLSA provenance (builder, source, commit)",
    load: () => loadCommand("./commands/provenance.ts"),
  },
  {
    name: "rebuild",
    summary: "pack a package's source at a commit and compare with the published archive",
    load: () => loadCommand("./commands/rebuild.ts"),
  },
  {
    name: "audit capabilities",
    summary: "check every locked package's registry history for added capabilities",
    load: () => loadCommand("./commands/audit_capabilities.ts"),
  },
  {
    name: "verify",
    summary: "re-hash every blob in the store against its address",
    load: () => loadCommand("./commands/verify.ts"),
  },
  {
    name: "pack",
    summary: "write a reproducible .tar.zst of the package",
    load: () => loadCommand("./commands/pack.ts"),
  },
  {
    name: "publish",
    summary: "pack, sign keylessly with Sigstore and upload",
    load: () => loadCommand("./commands/publish.ts"),
  },
  {
    name: "yank",
    summary: "yank (or unyank) a published version, signed like a publish",
    load: () => loadCommand("./commands/yank.ts"),
  },
  {
    name: "cache size",
    summary: "show the store's blobs, extracted trees, temp files and index cache",
    load: () => loadCommand("./commands/cache_size.ts"),
  },
  {
    name: "cache prune",
    summary: "delete blobs unused for a while, their trees and what killed processes left",
    load: () => loadCommand("./commands/cache_prune.ts"),
  },
  {
    name: "registry serve",
    summary: "serve a registry directory over HTTP",
    load: () => loadCommand("./commands/registry_serve.ts"),
  },
  {
    name: "registry keygen",
    summary: "make an Ed25519 key for signing a registry's snapshot.json",
    load: () => loadCommand("./commands/registry_keygen.ts"),
  },
  {
    name: "registry snapshot",
    summary: "sign a registry's snapshot.json",
    load: () => loadCommand("./commands/registry_snapshot.ts"),
  },
  {
    name: "mirror sync",
    summary: "copy a signed registry into a directory or an s3:// bucket, incrementally",
    load: () => loadCommand("./commands/mirror_sync.ts"),
  },
  {
    name: "mirror audit",
    summary: "name every way a mirror differs from its primary registry",
    load: () => loadCommand("./commands/mirror_audit.ts"),
  },
  {
    name: "sigstore verify",
    summary: "verify a Sigstore bundle offline",
    load: () => loadCommand("./commands/sigstore_verify.ts"),
  },
];

/**
 * The entry a typed name (or alias) denotes, or undefined.
 *
 * @param name `install`, `rm`, `cache prune`
 * @returns the table entry
 */
export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

/** The group words (`cache`, `registry`, …): commands whose name has two words. */
export function commandGroups(): string[] {
  return [
    ...new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0]!)),
  ];
}
