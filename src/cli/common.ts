/**
 * Options and wiring shared by the commands that read a project and touch the registry and the
 * store (`install`, `lock`, `fetch`, `add`, `audit capabilities`): the option rows they share and
 * the one function that turns a command line into the library's `InstallOptions`.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { InstallOptions } from "../install/install.ts";
import type { InstallEvent } from "../install/events.ts";
import type { RetryNotice } from "../registry/client/index_client.ts";
import { MochiError } from "../errors.ts";
import { findWorkspaceRoot, loadWorkspace, selectMembers } from "../install/workspace.ts";
import { type Platform, PLATFORMS } from "../manifest/platform.ts";
import type { Project } from "../install/project.ts";
import { parseManifestText, readManifestText } from "../install/project.ts";
import type { ManifestWarning } from "../manifest/types.ts";
import { resolveMochiHome } from "../store/fs/fs_store.ts";
import type { StoreHolder } from "../store/fs/store_lock.ts";
import { armFaultPoints, type TestHooks, testHooksFromEnv } from "../store/fs/test_hooks.ts";
import type { InstallLimits } from "../install/limits.ts";
import { networkLimitsFromEnv } from "../registry/client/index_client.ts";
import { type CommandContext, flag, type OptionTable, stringsOption } from "./command.ts";
import { type Output, Styled } from "./output.ts";
import { formatLockChange, type LockChange } from "../install/changes.ts";
import { plural } from "./phrases.ts";

// Summary phrases live in a module with no imports: the no-op fast path prints them too.
export { andCrates, andGoModules, plural, seconds } from "./phrases.ts";

/** `--offline`, `--locked`, `--frozen`, `--refresh` (cargo's meanings). */
export const RESOLVE_OPTIONS: OptionTable = {
  offline: { type: "boolean", help: "never touch the network" },
  locked: { type: "boolean", help: "fail if mochi.lock would change" },
  frozen: { type: "boolean", help: "--locked and --offline" },
  refresh: { type: "boolean", help: "re-resolve even if mochi.lock fits (keeps locked versions)" },
};

/** Signature and capability acceptance options of `install` and `lock`. */
export const TRUST_OPTIONS: OptionTable = {
  "require-signatures": { type: "boolean", help: "refuse packages without a Sigstore signature" },
  "accept-publisher": {
    type: "string",
    multiple: true,
    value: "PKG",
    help: "accept a new publisher for PKG",
  },
  "accept-capabilities": {
    type: "string",
    multiple: true,
    bare: "*",
    value: "PKG",
    help: "accept newly required capabilities (of PKG, or of every package when bare)",
  },
};

/**
 * The project directory: the nearest directory at or above `start` holding `mochi.toml`, as
 * cargo, uv and deno find their manifest; `start` itself when none does (so the "no mochi.toml"
 * error names the directory the user is in).
 *
 * @param start the directory the command runs in
 * @returns an absolute directory
 */
export async function findProjectDir(start: string): Promise<string> {
  const first = resolve(start);
  for (let dir = first;;) {
    try {
      const st = await Deno.stat(join(dir, "mochi.toml"));
      if (st.isFile) return dir;
    } catch {
      // not here; look further up
    }
    const up = dirname(dir);
    if (up === dir) return first;
    dir = up;
  }
}

/** Prints the "waiting for the store lock" line (always: a silent wait looks like a hang). */
export function waitPrinter(out: Output): (holders: StoreHolder[], waitedMs: number) => void {
  return (holders, waitedMs) => {
    const who = holders.length === 0
      ? "another process (pid unknown)"
      : holders.map((h) => `pid ${h.pid} (mochi ${h.command})`).join(", ");
    out.note(
      `Blocking: waited ${(waitedMs / 1000).toFixed(1)} s for the store lock, held by ${who}`,
    );
  };
}

/**
 * `$MOCHI_HOME` for this run, refused up front when it names something that is not a directory
 * (otherwise the first `mkdir` under it fails deep inside the store with an OS error).
 *
 * @param ctx the command's context
 * @returns the directory (it may not exist yet)
 * @throws {MochiError} `STORE_E001` when it exists and is not a directory
 */
export function mochiHomeOf(ctx: CommandContext): string {
  const home = resolveMochiHome(ctx.env);
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.statSync(home);
  } catch {
    // missing: the store creates it
  }
  if (info !== undefined && !info.isDirectory) {
    const from = ctx.env.MOCHI_HOME ? "MOCHI_HOME" : "the cache directory";
    throw new MochiError("STORE_E001", `${from} ${home} is not a directory`, {
      hint: ctx.env.MOCHI_HOME
        ? "point MOCHI_HOME at a directory (it is created if missing), or unset it"
        : "move that file away, or set MOCHI_HOME to a directory",
    });
  }
  return home;
}

const printedWarnings = new WeakSet<CommandContext>();

/**
 * The project directory of a command ({@link findProjectDir}), printing the manifest's warnings
 * (unknown keys, with a did-you-mean; in a workspace the root's and every member's) once, as cargo does before it acts; `-q` silences them.
 * A manifest that does not parse prints nothing here: the command reports the error.
 *
 * @param ctx the command's context
 * @returns the project directory
 */
export async function projectDirOf(ctx: CommandContext): Promise<string> {
  const dir = await findProjectDir(ctx.cwd);
  if (printedWarnings.has(ctx)) return dir;
  printedWarnings.add(ctx);
  let warnings: ManifestWarning[] = [];
  try {
    // In a workspace: the root's warnings, then every member's (read with what it inherits).
    const found = await findWorkspaceRoot(dir);
    const path = join(found?.root ?? dir, "mochi.toml");
    const text = await readManifestText(found?.root ?? dir);
    warnings = parseManifestText(text, path).warnings;
    if (found !== undefined) {
      warnings.push(...((await loadWorkspace(found.root, found.manifest)).warnings ?? []));
    }
  } catch {
    return dir;
  }
  for (const w of warnings) {
    ctx.out.warn(w.message);
    ctx.out.note(`  --> ${w.file}:${w.line}:${w.column}`);
  }
  return dir;
}

/**
 * The library options a command line means: project directory (searched upward), store,
 * registry from `MOCHI_REGISTRY`, the resolve and trust flags the command took, progress to
 * `-v`, test hooks from the environment.
 *
 * @param ctx the command's context
 * @returns options for `install`, `lock`, `addDependency`, `auditCapabilities`
 */
export async function installOptions(ctx: CommandContext): Promise<InstallOptions> {
  const { values, env, out } = ctx;
  const accept = stringsOption(values, "accept-capabilities");
  const names = accept.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v);
  return {
    projectDir: await projectDirOf(ctx),
    mochiHome: mochiHomeOf(ctx),
    requireSignatures: flag(values, "require-signatures"),
    acceptPublishers: stringsOption(values, "accept-publisher"),
    offline: flag(values, "offline"),
    locked: flag(values, "locked"),
    frozen: flag(values, "frozen"),
    refresh: flag(values, "refresh"),
    upgrade: flag(values, "upgrade"),
    ...(await progressOptions(ctx)),
    ...(accept.length > 0 ? { acceptCapabilities: names.includes("*") ? "all" : names } : {}),
    onWait: waitPrinter(out),
    limits: limitsOf(armFaultPoints(testHooksFromEnv(env))),
    network: networkLimitsFromEnv(env),
    ...(env.MOCHI_REGISTRY ? { registryUrl: env.MOCHI_REGISTRY } : {}),
    ...(env.MOCHI_MIRRORS
      ? { mirrors: env.MOCHI_MIRRORS.split(/[\s,]+/).filter((m) => m !== "") }
      : {}),
    ...(env.MOCHI_PLATFORM ? { platform: platformFromEnv(env.MOCHI_PLATFORM) } : {}),
    ...(env.MOCHI_CRATES_IO_INDEX ? { cratesIoIndex: env.MOCHI_CRATES_IO_INDEX } : {}),
    // The Go bridge's settings, read here so a project without Go modules loads none of it.
    goEnv: {
      GOPROXY: env.MOCHI_GOPROXY || env.GOPROXY,
      GOSUMDB: env.MOCHI_GOSUMDB || env.GOSUMDB,
      GONOSUMDB: env.GONOSUMDB,
      GOPRIVATE: env.GOPRIVATE,
    },
    ...(env.MOCHI_PYPI_INDEX ? { pythonIndex: env.MOCHI_PYPI_INDEX } : {}),
  };
}

/**
 * The install limits a test set through `MOCHI_TEST_MAX_*` (see `testHooksFromEnv`; nothing
 * unless `MOCHI_TEST=1`): the fault points stay armed in the process, the limits become options.
 *
 * @param hooks the parsed test hooks
 * @returns the limits for the library's options
 */
function limitsOf(hooks: TestHooks): InstallLimits {
  const limits: InstallLimits = { archive: hooks.archivePolicy };
  if (hooks.maxIndexBytes !== undefined) limits.indexBytes = hooks.maxIndexBytes;
  if (hooks.maxBlobBytes !== undefined) limits.blobBytes = hooks.maxBlobBytes;
  if (hooks.retryBaseMs !== undefined) limits.retryBaseMs = hooks.retryBaseMs;
  return limits;
}

/**
 * The library's progress callbacks for a command: messages go to `-v` and to the progress line's
 * status; phases and items to the progress line (a terminal only); each registry retry is a line
 * on stderr (unless `-q`): `network error from <url>, retrying in 1 s (2/6)`.
 *
 * @param ctx the command's context
 * @returns `onProgress` and `onEvent` for the library's options
 */
export async function progressOptions(
  ctx: CommandContext,
): Promise<{ onProgress: (message: string) => void; onEvent: (event: InstallEvent) => void }> {
  const progress = await ctx.progress();
  const { out } = ctx;
  return {
    onProgress: (m) => {
      out.detail(m);
      progress.status(m);
    },
    onEvent: (e) => {
      if (e.kind === "phase") progress.phase(e.phase, e.total);
      else if (e.kind === "step") {
        progress.advance(e.phase, 1, e.sizeBytes);
        progress.status(e.label);
      } else out.note(retryLine(e));
    },
  };
}

/**
 * The line announcing a retry: `network error from <url>, retrying in 1 s (2/6)`.
 *
 * @param r the retry
 * @returns one line
 */
export function retryLine(r: RetryNotice): string {
  const why = r.reason.startsWith("network error") ? "network error" : r.reason || "error";
  const wait = r.delayMs < 1000
    ? `${Math.round(r.delayMs)} ms`
    : `${(r.delayMs / 1000).toFixed(r.delayMs < 10_000 ? 1 : 0).replace(/\.0$/, "")} s`;
  return `${why} from ${r.url}, retrying in ${wait} (${r.attempt}/${r.attempts})`;
}

/** `MOCHI_SIGSTORE_ROOT`'s trusted root, read, when set. */
export async function trustedRootOf(
  env: Record<string, string>,
): Promise<{ trustedRootJson?: string }> {
  const path = env.MOCHI_SIGSTORE_ROOT;
  return path ? { trustedRootJson: await Deno.readTextFile(path) } : {};
}

/** A size for humans: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.10 GiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Warns about Go modules that were not checked in a checksum database (on purpose: GONOSUMDB,
 * GOPRIVATE or GOSUMDB=off), so skipping it is never silent.
 *
 * @param out the printer
 * @param unverified `module@version (why)` lines
 */
export function warnGoUnverified(out: Output, unverified: readonly string[]): void {
  if (unverified.length === 0) return;
  out.warn(
    `${unverified.length} Go module(s) not checked in a checksum database: ${
      unverified.slice(0, 10).join(", ")
    }${unverified.length > 10 ? ", …" : ""}`,
  );
}

/**
 * `MOCHI_PLATFORM`: the platform `install` installs for (a simulated other platform).
 *
 * @param value `<os>-<arch>`, one of `PLATFORMS`
 * @returns the platform
 * @throws {MochiError} CLI_E001 naming the valid values
 */
export function platformFromEnv(value: string): Platform {
  if ((PLATFORMS as readonly string[]).includes(value)) return value as Platform;
  throw new MochiError("CLI_E001", `MOCHI_PLATFORM=${JSON.stringify(value)} is not a platform`, {
    hint: `use one of ${PLATFORMS.join(", ")}, or unset it for this machine's`,
  });
}

/** `-p/--package <member>` (repeatable) and `--workspace` (cargo's member selection). */
export const WORKSPACE_OPTIONS = {
  package: {
    type: "string",
    short: "p",
    multiple: true,
    value: "MEMBER",
    help: "a workspace member to act on (default: the member of this directory)",
  },
  workspace: { type: "boolean", help: "act on every workspace member" },
} as const;

/**
 * The workspace members a command acts on, from `-p`, `--workspace` and the directory it runs in
 * (`selectMembers`); outside a workspace, `-p` may only name the project's own package.
 *
 * @param ctx the command's context
 * @param project the project read (with its workspace, if any)
 * @param projectDir the directory of the nearest `mochi.toml`
 * @returns the members' lock ids (`"name version"`), or undefined outside a workspace
 * @throws {MochiError} WORKSPACE_E003 a `-p` name that is no member
 */
export function selectedMemberIds(
  ctx: CommandContext,
  project: Project,
  projectDir: string,
): string[] | undefined {
  const packages = stringsOption(ctx.values, "package");
  const all = flag(ctx.values, "workspace");
  const ws = project.workspace;
  if (ws === undefined) {
    const own = project.manifest.package.name;
    const other = packages.find((p) => p !== own);
    if (other !== undefined) {
      throw new MochiError(
        "WORKSPACE_E003",
        `package "${other}" is not this project (${own}), and ${project.dir} is in no workspace`,
        { hint: `leave out -p, or run in a workspace that has "${other}" as a member` },
      );
    }
    return undefined;
  }
  return selectMembers(ws, { packages, all, cwd: projectDir }).map((m) => `${m.name} ${m.version}`);
}

/**
 * Prints what the merge of a conflicted `mochi.lock` chose: one summary line, then one line per
 * package where the sides differed or the manifest moved it (`describeLockMerge`).
 *
 * @param out the printer
 * @param merge the lines and the count of versions both sides agreed on
 */
export function printLockMerge(
  out: Output,
  merge: { lines: readonly string[]; agreed: number } | undefined,
): void {
  if (merge === undefined) return;
  out.info(
    `Merged the two sides of the conflicted mochi.lock and re-resolved: kept ${merge.agreed} ` +
      `version(s) both sides agreed on${merge.lines.length > 0 ? "; chose:" : ""}`,
  );
  for (const line of merge.lines) out.info(`  ${line}`);
}

/**
 * Prints what a command changed in `mochi.lock`, one uv-style line each (`+ name version`,
 * `- name version`, `~ name old → new`), added in green, removed in red, changed in yellow.
 *
 * @param out the printer
 * @param changes the changes ({@link lockChanges})
 */
export function printLockChanges(out: Output, changes: readonly LockChange[]): void {
  for (const c of changes) {
    const style = c.kind === "added" ? "green" : c.kind === "removed" ? "red" : "yellow";
    out.info(new Styled(style, formatLockChange(c)));
  }
}

/**
 * How many versions changed in `mochi.lock`, for a summary line: `1 version changed`,
 * `3 versions changed`, or `no version changed` (the lock was rewritten for its manifest hash).
 *
 * @param n the number of {@link LockChange}s
 * @returns the phrase
 */
export function versionChanges(n: number): string {
  return n === 0 ? "no version changed" : `${plural(n, "version")} changed`;
}
