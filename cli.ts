#!/usr/bin/env -S deno run -A
/**
 * The `mochi pkg` command line: `deno run -A jsr:@mochi/pkg <command>` is `mochi pkg <command>`.
 *
 * This is the only module that prints or exits. Exit codes (decisions.md): `0` ok · `1` user or
 * input error · `2` internal · `3` network or registry unavailable · `4` integrity or security.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type * as Library from "./mod.ts";
import { exitStatusOf, MochiError } from "./src/errors.ts";
import { CapabilityGateError, formatGateWarnings } from "./src/capability/gate.ts";
import type { StoreHolder } from "./src/store/fs/store_lock.ts";
import { testHooksFromEnv } from "./src/store/fs/test_hooks.ts";

const VERSION = "0.1.0";

/** Commands served by `src/everyday.ts` (the rest load the whole library, `mod.ts`). */
const EVERYDAY_COMMANDS = new Set([
  "install",
  "lock",
  "fetch",
  "tree",
  "why",
  "verify",
  "add",
  "cache",
]);

const USAGE = `mochi pkg ${VERSION}: the Mochi package manager

Usage: mochi <command> [options]

Commands:
  install                 resolve (or reuse mochi.lock), fetch and verify every package
                  [--require-signatures] [--accept-publisher <pkg>]...
  add <pkg>[@req]         add a dependency to mochi.toml (warns about look-alike names)
  lock [--check] [--upgrade] [--accept-capabilities[=<pkg>]]
                          write mochi.lock without fetching; --check re-resolves and only
                          compares (exit 1 listing every added, removed or changed entry);
                          --upgrade ignores locked versions; a package that newly requires a
                          capability fails (exit 1) until accepted
  fetch                   download every locked Rust .crate, check its SHA-256, store it
  why-capability <cap>    list the locked packages that require a capability
  lower --target <t> [--entry main.ts]
                          lower the locked capabilities: deno (merge permissions,
                          compile.permissions and tasks.start into deno.json), python, wasm,
                          node, bun (their file in the project directory)
  run <entry> [-- args]   deno run <entry> with exactly the lowered flags, --no-prompt, no
                          remote imports, sys denied; --isolate adds --unstable-worker-options
  compile <entry> [--output F]
                          deno compile with the same flags baked in (exit 3 when Deno cannot
                          download its runtime)
  audit capabilities [--suspicious]
                          check every locked package's registry history: a patch release that
                          adds a capability (CAP_E002); --suspicious also flags a minor release
                          adding ffi or proc.spawn (the xz pattern); exit 1 on any finding
  tree [--depth N]        show the locked dependency tree
  why <package>           show every path by which a package enters the graph
  verify                  re-hash every blob in the store against its address
  pack [--out DIR] [--verify-reproducible]
                          write a reproducible .tar.zst of the package (default target/package/)
  publish [--identity-token T] [--dry-run]
                          pack, sign keylessly with Sigstore (OIDC from CI) and upload
  yank <pkg>@<version> [--undo] [--reason R] [--identity-token T]
                          yank (or unyank) a published version, signed like a publish
  cache size              blobs, extracted trees, temp files and index cache, with their sizes
  cache prune [--older-than DUR] [--dry-run]
                          delete blobs unused for DUR (default 30d; 12h, 90m, 0 …), their trees,
                          and what killed processes left; waits for running installs
  registry serve <dir>    serve a registry directory [--host 127.0.0.1] [--port 0]
                  [--allow-publish [--trusted-root F] [--snapshot-key F]]
                          --allow-publish mounts the publish API (POST /api/v1/packages, yank);
                          --snapshot-key re-signs snapshot.json after every index change
  registry keygen <file>  make an Ed25519 key for signing a registry's snapshot.json
  registry snapshot <dir> --key F [--expires-in 7d]
                          sign snapshot.json (version, expiry, digest of every index file)
  sigstore verify --bundle F --certificate-identity SAN --certificate-oidc-issuer ISS
                  [--trusted-root F] ARTIFACT
                          verify a Sigstore bundle offline; ARTIFACT is a file or sha256:<hex>

Global options:
  --offline    never touch the network          --locked   fail if mochi.lock would change
  --frozen     --locked and --offline           --refresh  re-resolve even if the lock fits
  --quiet, -q  print errors only                --verbose, -v  print progress
  -C <dir>     run as if started in <dir>       --help, -h / --version

Environment: MOCHI_HOME (store and index cache; default $XDG_CACHE_HOME/mochi or ~/.cache/mochi),
MOCHI_REGISTRY (registry URL or path when mochi.toml has no [registry] default),
MOCHI_CRATES_IO_INDEX (cargo sparse index for Rust crates when mochi.toml has no
[registry] crates-io; default sparse+https://index.crates.io/),
MOCHI_SIGSTORE_ROOT (trusted root JSON), MOCHI_FULCIO_URL / MOCHI_REKOR_URL (signing instance),
SOURCE_DATE_EPOCH (archive mtime). publish reads its OIDC token from --identity-token, GitHub
Actions (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) or SIGSTORE_ID_TOKEN.
Tests only, with MOCHI_TEST=1: MOCHI_TEST_FAULT, MOCHI_TEST_MAX_* (see src/store/fs/test_hooks.ts).`;

interface Out {
  info(line: string): void;
  detail(line: string): void;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function acceptOption(values: string[] | undefined): { acceptCapabilities?: "all" | string[] } {
  if (values === undefined) return {};
  const names = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v);
  return { acceptCapabilities: names.includes("*") ? "all" : names };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function printWait(holders: StoreHolder[], waitedMs: number): void {
  const who = holders.length === 0
    ? "another process (pid unknown)"
    : holders.map((h) => `pid ${h.pid} (mochi ${h.command})`).join(", ");
  console.error(
    `Blocking: waited ${(waitedMs / 1000).toFixed(1)} s for the store lock, held by ${who}`,
  );
}

function printError(e: unknown, verbose: boolean): number {
  const status = exitStatusOf(e);
  if (e instanceof CapabilityGateError) {
    for (const line of formatGateWarnings(e.findings)) console.error(line);
  }
  if (e instanceof MochiError) {
    console.error(`error[${e.code}]: ${e.message}`);
    if (e.file) {
      console.error(
        `  --> ${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : ""}`,
      );
    }
    if (e.hint) console.error(`help: ${e.hint}`);
    if (verbose && e.cause) {
      console.error(`caused by: ${e.cause instanceof Error ? e.cause.stack : String(e.cause)}`);
    }
  } else {
    console.error(`error[INTERNAL_E001]: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    console.error("help: this is a bug in mochi pkg; please report it with the command you ran");
  }
  return status;
}

/**
 * Runs one `mochi pkg` command line.
 *
 * @param args the arguments after the program name
 * @returns the exit status (0–4)
 */
export async function main(args: string[]): Promise<number> {
  let parsed;
  // Everything after `--` belongs to the program `mochi run` starts.
  const dashDash = args.indexOf("--");
  const programArgs = dashDash < 0 ? [] : args.slice(dashDash + 1);
  if (dashDash >= 0) args = args.slice(0, dashDash);
  // `--accept-capabilities` alone means every package; parseArgs needs a value.
  args = args.map((a) => (a === "--accept-capabilities" ? "--accept-capabilities=*" : a));
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        offline: { type: "boolean" },
        locked: { type: "boolean" },
        frozen: { type: "boolean" },
        refresh: { type: "boolean" },
        check: { type: "boolean" },
        upgrade: { type: "boolean" },
        suspicious: { type: "boolean" },
        target: { type: "string" },
        entry: { type: "string" },
        output: { type: "string" },
        isolate: { type: "boolean" },
        "accept-capabilities": { type: "string", multiple: true },
        "dry-run": { type: "boolean" },
        "older-than": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        depth: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        key: { type: "string" },
        "expires-in": { type: "string" },
        dir: { type: "string", short: "C" },
        bundle: { type: "string" },
        "trusted-root": { type: "string" },
        "certificate-identity": { type: "string" },
        "certificate-oidc-issuer": { type: "string" },
        out: { type: "string" },
        "verify-reproducible": { type: "boolean" },
        "allow-publish": { type: "boolean" },
        "snapshot-key": { type: "string" },
        "identity-token": { type: "string" },
        "require-signatures": { type: "boolean" },
        undo: { type: "boolean" },
        reason: { type: "string" },
        "accept-publisher": { type: "string", multiple: true },
      },
    });
  } catch (e) {
    return printError(
      new MochiError("CLI_E001", (e as Error).message, {
        hint: "run mochi --help for the commands and options",
      }),
      false,
    );
  }
  const { values: o, positionals } = parsed;
  const verbose = o.verbose === true;
  const out: Out = {
    info: (l) => {
      if (!o.quiet) console.log(l);
    },
    detail: (l) => {
      if (verbose) console.error(l);
    },
  };
  if (o.version) {
    console.log(`mochi pkg ${VERSION}`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (o.help || command === undefined || command === "help") {
    console.log(USAGE);
    return command === undefined && !o.help ? 1 : 0;
  }
  // Everyday commands load only the modules they use (no Sigstore, tar or SPDX libraries):
  // start-up is part of every command's time.
  const lib: typeof Library = EVERYDAY_COMMANDS.has(command)
    ? (await import("./src/everyday.ts")) as unknown as typeof Library
    : await import("./mod.ts");
  const {
    addDependency,
    cachePrune,
    cacheSize,
    parseDuration,
    auditCapabilities,
    compileProject,
    DENO_PERMISSIONS,
    denoRunPlan,
    fetchCrates,
    formatAuditFinding,
    formatTree,
    formatWhy,
    formatWhyCapability,
    FsStore,
    install,
    lock,
    lockGraph,
    lowerProject,
    parseArtifactDigest,
    parseLoweringTarget,
    readProject,
    readSnapshotKeyFile,
    resolveMochiHome,
    runProject,
    serveRegistry,
    verifySigstoreBundle,
    whyCapability,
    writeRegistrySnapshot,
    writeSnapshotKeyFile,
    createPublishApi,
    packToDir,
    publishPackage,
    registryUrlFor,
    sourceDateEpoch,
    yankPackage,
  } = lib;
  const env = Deno.env.toObject();
  const projectDir = o.dir ?? Deno.cwd();
  const sigstoreRoot = env.MOCHI_SIGSTORE_ROOT;
  const trustedRoot = async (): Promise<{ trustedRootJson?: string }> =>
    sigstoreRoot ? { trustedRootJson: await Deno.readTextFile(sigstoreRoot) } : {};
  let hooks;
  try {
    hooks = testHooksFromEnv(env);
  } catch (e) {
    return printError(e, verbose);
  }
  const common = {
    projectDir,
    requireSignatures: o["require-signatures"] === true,
    acceptPublishers: o["accept-publisher"] ?? [],
    mochiHome: resolveMochiHome(env),
    offline: o.offline === true,
    locked: o.locked === true,
    frozen: o.frozen === true,
    refresh: o.refresh === true,
    upgrade: o.upgrade === true,
    onProgress: out.detail,
    ...acceptOption(o["accept-capabilities"]),
    onWait: printWait,
    hooks,
    ...(env.MOCHI_REGISTRY ? { registryUrl: env.MOCHI_REGISTRY } : {}),
    ...(env.MOCHI_CRATES_IO_INDEX ? { cratesIoIndex: env.MOCHI_CRATES_IO_INDEX } : {}),
  };
  const crates = (n: number) => (n > 0 ? ` and ${plural(n, "Rust crate")}` : "");
  try {
    switch (command) {
      case "install": {
        const r = await install({ ...common, ...(await trustedRoot()) });
        if (r.unsigned.length > 0) {
          console.error(
            `warning: ${r.unsigned.length} package(s) have no Sigstore signature: ${
              r.unsigned.slice(0, 10).join(", ")
            }${r.unsigned.length > 10 ? ", …" : ""}`,
          );
          console.error("  (pass --require-signatures to refuse unsigned packages)");
        }
        if (!r.resolved && r.fetched === 0 && !r.lockChanged) {
          out.info(
            `Up to date: ${r.packages} packages${
              crates(r.crates)
            } locked in mochi.lock, all in the store (nothing resolved, nothing fetched) in ${
              seconds(r.elapsedMs)
            }`,
          );
        } else {
          const mochiPackages = r.packages > 0 || r.crates === 0;
          if (r.packagesResolved && mochiPackages) {
            out.info(`Resolved ${r.packages} packages in ${seconds(r.solveMs)} from ${r.registry}`);
          }
          if (r.cratesResolved) {
            out.info(`Resolved ${plural(r.crates, "Rust crate")} from ${r.cratesIndex}`);
          }
          if (!r.packagesResolved && !r.cratesResolved) {
            out.info(`Using mochi.lock: ${r.packages} packages${crates(r.crates)}`);
          }
          if (mochiPackages) {
            out.info(
              `Fetched ${r.fetched} packages, verified BLAKE3 and SHA-256 of each${
                r.cached ? `; ${r.cached} already in the store` : ""
              }`,
            );
          }
          if (r.verifiedSignatures > 0) {
            out.info(
              `Verified ${r.verifiedSignatures} Sigstore signatures against the publishers in mochi.lock (verification took ${
                seconds(r.verifyMs)
              })`,
            );
          }
          out.info(`${r.lockChanged ? "Wrote" : "Kept"} ${r.lockPath}`);
          out.info(`Store: ${r.storeDir}`);
          out.info(`Done in ${seconds(r.elapsedMs)}`);
        }
        return 0;
      }
      case "add": {
        if (!rest[0] || rest.length > 1) {
          throw new MochiError("CLI_E001", "mochi add takes one package: mochi add <pkg>[@req]", {
            hint: "e.g. mochi add serde, mochi add serde@1.0, mochi add @mochi/strings@^1",
          });
        }
        const r = await addDependency({ ...common, spec: rest[0] });
        for (const w of r.warnings) {
          console.error(`warning[NAME_E001]: ${w.message}; check that you meant "${r.name}"`);
        }
        out.info(
          `${
            r.replaced ? "Updated" : "Added"
          } ${r.name} = "${r.requirement}" in ${r.manifestPath} (from ${r.registry})`,
        );
        return 0;
      }
      case "lock": {
        const r = await lock({ ...common, ...(await trustedRoot()), check: o.check === true });
        if (o.check) {
          if (r.upToDate) {
            out.info(`mochi.lock is up to date (${r.packages} packages${crates(r.crates)})`);
            return 0;
          }
          console.error(
            `error[LOCK_E002]: mochi.lock is out of date: ${r.changes.length} change(s)`,
          );
          for (const c of r.changes) console.error(`  ${c}`);
          console.error("help: run mochi lock to update it");
          return 1;
        }
        for (const a of r.accepted) {
          out.info(
            `Accepted: ${a.name} ${a.version} newly requires capability "${a.capability}"`,
          );
        }
        out.info(
          r.written
            ? `Wrote ${r.lockPath} (${r.packages} packages${
              crates(r.crates)
            }, ${r.changes.length} change(s))`
            : `mochi.lock is up to date (${r.packages} packages${crates(r.crates)})`,
        );
        for (const c of r.changes) out.detail(`  ${c}`);
        return 0;
      }
      case "fetch": {
        const t0 = performance.now();
        await lock({ ...common });
        const project = await readProject(projectDir);
        const r = await fetchCrates(project, project.lock!, {
          ...common,
          offline: common.offline || common.frozen,
        });
        out.info(
          `Fetched ${r.fetched} crates (${
            (r.bytes / 1e6).toFixed(1)
          } MB), checked SHA-256 against mochi.lock, stored under BLAKE3${
            r.cached ? `; ${r.cached} already in the store` : ""
          } in ${seconds(performance.now() - t0)}`,
        );
        return 0;
      }
      case "tree":
      case "why": {
        const project = await readProject(projectDir);
        if (!project.lock) {
          throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
            hint: "run mochi install first",
          });
        }
        const graph = lockGraph(project.manifest, project.lock);
        if (command === "tree") {
          const depth = o.depth === undefined ? undefined : Number(o.depth);
          if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0)) {
            throw new MochiError("CLI_E001", `--depth takes a whole number, got "${o.depth}"`);
          }
          for (const l of formatTree(graph, depth === undefined ? {} : { depth })) console.log(l);
        } else {
          if (!rest[0]) {
            throw new MochiError("CLI_E001", "mochi why needs a package name", {
              hint: "mochi why <package>",
            });
          }
          for (const l of formatWhy(graph, rest[0])) console.log(l);
        }
        return 0;
      }
      case "why-capability": {
        if (!rest[0]) {
          throw new MochiError("CLI_E001", "mochi why-capability needs a capability name", {
            hint: "mochi why-capability <capability>, e.g. mochi why-capability net.dial",
          });
        }
        const project = await readProject(projectDir);
        if (!project.lock) {
          throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
            hint: "run mochi lock first",
          });
        }
        for (
          const l of formatWhyCapability(rest[0], whyCapability(project.lock.packages, rest[0]))
        ) {
          console.log(l);
        }
        return 0;
      }
      case "lower": {
        const target = parseLoweringTarget(o.target ?? "deno");
        const r = await lowerProject({
          projectDir,
          target,
          ...(o.entry ? { entry: o.entry } : {}),
        });
        out.info(`Wrote ${r.file} (${target}, ${r.capabilities.length} capabilities)`);
        if (r.deno) {
          for (const p of DENO_PERMISSIONS) {
            const v = r.deno.permissions[p];
            out.info(`  ${p.padEnd(6)} ${Array.isArray(v) ? v.join(", ") : v ? "all" : "denied"}`);
          }
          for (const c of r.deno.unenforced) {
            out.info(`  note: ${c} is declared but not enforced: Deno has no permission for it`);
          }
          for (const n of r.deno.notes) out.detail(`  note: ${n}`);
        } else if (!r.enforced) {
          out.info(`  note: ${target} does not enforce capabilities; the file documents them only`);
        }
        return 0;
      }
      case "run": {
        if (!rest[0]) {
          throw new MochiError("CLI_E001", "mochi run needs an entry module", {
            hint: "mochi run <entry.ts> [-- program arguments]",
          });
        }
        const args = [...rest.slice(1), ...programArgs];
        if (verbose) {
          const plan = await denoRunPlan({ projectDir, entry: rest[0], args, isolate: o.isolate });
          out.detail(`deno ${plan.args.join(" ")}`);
        }
        return await runProject({ projectDir, entry: rest[0], args, isolate: o.isolate === true });
      }
      case "compile": {
        if (!rest[0]) {
          throw new MochiError("CLI_E001", "mochi compile needs an entry module", {
            hint: "mochi compile <entry.ts> [--output file]",
          });
        }
        const r = await compileProject({
          projectDir,
          entry: rest[0],
          ...(o.output ? { output: o.output } : {}),
        });
        out.info(`Compiled ${rest[0]} to ${r.output} with: deno ${r.args.join(" ")}`);
        return 0;
      }
      case "audit": {
        if (rest[0] !== "capabilities") {
          throw new MochiError("CLI_E001", `unknown audit "${rest.join(" ")}"`, {
            hint: "mochi audit capabilities [--suspicious]",
          });
        }
        const r = await auditCapabilities({ ...common, suspicious: o.suspicious === true });
        for (const f of r.findings) console.error(formatAuditFinding(f));
        out.info(
          `Audited ${r.releases} releases of ${r.packages} locked packages: ${
            r.findings.length === 0 ? "no finding" : `${r.findings.length} finding(s)`
          }`,
        );
        return r.findings.length === 0 ? 0 : 1;
      }
      case "verify": {
        const store = new FsStore(`${common.mochiHome}/store`);
        const r = await store.verify();
        if (r.corrupt.length === 0) {
          out.info(
            `Checked ${r.checked} blobs in ${common.mochiHome}/store: every one matches its address`,
          );
          return 0;
        }
        for (const c of r.corrupt) {
          console.error(
            `error[BLOB_E006]: blob ${c.b3} no longer matches its address (BLAKE3 is now ${c.actualBlake3})`,
          );
          console.error(`  --> ${c.path}`);
        }
        console.error(
          `help: ${r.corrupt.length} of ${r.checked} blobs are corrupt; delete them and run mochi install to fetch them again`,
        );
        return 4;
      }
      case "pack": {
        const r = await packToDir({
          projectDir,
          outDir: o.out ?? `${projectDir}/target/package`,
          mtimeSeconds: sourceDateEpoch(env.SOURCE_DATE_EPOCH),
          verifyReproducible: o["verify-reproducible"] === true,
        });
        for (const f of r.files) out.detail(`  ${f}`);
        out.info(
          `Packed ${r.manifest.package.name} ${r.manifest.package.version}: ${r.files.length} files, ${r.archive.length} bytes${
            r.reproducible ? " (reproducible: two packs are byte-identical)" : ""
          }`,
        );
        out.info(`  blake3 ${r.digest.blake3}`);
        out.info(`  sha256 ${r.digest.sha256}`);
        out.info(`Wrote ${r.path}`);
        return 0;
      }
      case "publish": {
        const project = await readProject(projectDir);
        const dryRun = o["dry-run"] === true;
        const r = await publishPackage({
          projectDir,
          registryUrl: dryRun ? "" : registryUrlFor(project, env.MOCHI_REGISTRY),
          env,
          ...(o["identity-token"] ? { identityToken: o["identity-token"] } : {}),
          ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
          ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
          mtimeSeconds: sourceDateEpoch(env.SOURCE_DATE_EPOCH),
          dryRun,
        });
        const id = `${r.packed.manifest.package.name} ${r.packed.manifest.package.version}`;
        out.info(
          `Packed ${id}: ${r.packed.files.length} files, ${r.packed.archive.length} bytes, blake3 ${r.packed.digest.blake3}`,
        );
        if (r.status === "dry-run") {
          out.info("Dry run: this statement would be signed (nothing was signed or uploaded):");
          out.info(JSON.stringify(r.statement, null, 2));
        } else {
          out.info(`Signed with an ephemeral key (OIDC token from ${r.tokenSource})`);
          out.info(
            r.status === "published"
              ? `Published ${id} to ${r.apiUrl}`
              : `${id} was already published with these exact bytes; nothing changed`,
          );
        }
        return 0;
      }
      case "yank": {
        const spec = rest[0] ?? "";
        const at = spec.lastIndexOf("@");
        if (at <= 0) {
          throw new MochiError("CLI_E001", `mochi yank needs <package>@<version>, got "${spec}"`, {
            hint: "mochi yank @scope/name@1.2.3 [--undo] [--reason R]",
          });
        }
        const name = spec.slice(0, at);
        const version = spec.slice(at + 1);
        const action = o.undo ? "unyank" : "yank";
        const project = await readProject(projectDir).catch(() => undefined);
        const registryUrl = project
          ? registryUrlFor(project, env.MOCHI_REGISTRY)
          : env.MOCHI_REGISTRY;
        if (!registryUrl) {
          throw new MochiError("INDEX_E007", "no registry is configured", {
            hint: "set MOCHI_REGISTRY or run in a project with [registry] default",
          });
        }
        const r = await yankPackage({
          name,
          version,
          action,
          ...(o.reason ? { reason: o.reason } : {}),
          registryUrl,
          env,
          ...(o["identity-token"] ? { identityToken: o["identity-token"] } : {}),
          ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
          ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
        });
        out.info(
          `${
            action === "yank" ? "Yanked" : "Unyanked"
          } ${name} ${version} (signed, OIDC token from ${r.tokenSource})`,
        );
        return 0;
      }
      case "cache": {
        if (rest[0] === "size") {
          const r = await cacheSize(common.mochiHome);
          out.info(`Store ${common.mochiHome}/store:`);
          out.info(`  blobs            ${r.blobs} (${bytes(r.blobBytes)})`);
          out.info(`  extracted trees  ${r.trees} (${bytes(r.treeBytes)})`);
          out.info(`  temp files       ${bytes(r.tempBytes)}`);
          out.info(`Index cache        ${bytes(r.indexBytes)}`);
          out.info(
            `Total              ${bytes(r.blobBytes + r.treeBytes + r.tempBytes + r.indexBytes)}`,
          );
          return 0;
        }
        if (rest[0] === "prune") {
          const dryRun = o["dry-run"] === true;
          const r = await cachePrune({
            mochiHome: common.mochiHome,
            dryRun,
            onWait: printWait,
            ...(o["older-than"] !== undefined
              ? { olderThanMs: parseDuration(o["older-than"]) }
              : {}),
          });
          const verb = dryRun ? "Would remove" : "Removed";
          out.info(
            `${verb} ${r.blobs} blobs (${bytes(r.blobBytes)}), ${r.trees} extracted trees (${
              bytes(r.treeBytes)
            }), ${r.orphanSessions} sessions of killed processes, ${r.staleTemp} stale temp entries`,
          );
          return 0;
        }
        throw new MochiError("CLI_E001", `unknown cache command "${rest.join(" ")}"`, {
          hint: "mochi cache size | mochi cache prune [--older-than DUR] [--dry-run]",
        });
      }
      case "registry": {
        if (rest[0] === "keygen" && rest[1]) {
          const publicKey = await writeSnapshotKeyFile(rest[1]);
          out.info(`Wrote the private signing key to ${rest[1]} (keep it secret)`);
          out.info(`Public key: ${publicKey}`);
          return 0;
        }
        if (rest[0] === "snapshot" && rest[1]) {
          if (!o.key) {
            throw new MochiError("CLI_E001", "mochi registry snapshot needs --key <file>", {
              hint: "mochi registry snapshot <dir> --key <file> [--expires-in 7d]",
            });
          }
          const expiresInMs = o["expires-in"] === undefined
            ? undefined
            : parseDuration(o["expires-in"]);
          const privateKeyFile = await readSnapshotKeyFile(o.key);
          const w = await writeRegistrySnapshot(rest[1], {
            privateKeyFile,
            ...(expiresInMs === undefined ? {} : { expiresInMs }),
          });
          out.info(
            `Signed snapshot version ${w.version} of ${
              rest[1]
            }: ${w.files} index files, expires ${w.expires}, key ${w.publicKey}`,
          );
          return 0;
        }
        if (rest[0] !== "serve" || !rest[1]) {
          throw new MochiError("CLI_E001", `unknown registry command "${rest.join(" ")}"`, {
            hint: "mochi registry serve <dir> [--host 127.0.0.1] [--port 0] · mochi registry " +
              "keygen <file> · mochi registry snapshot <dir> --key <file> [--expires-in 7d]",
          });
        }
        const port = Number(o.port ?? "0");
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new MochiError(
            "CLI_E001",
            `--port takes a number from 0 to 65535, got "${o.port}"`,
          );
        }
        const controller = new AbortController();
        const rootPath = o["trusted-root"] ?? env.MOCHI_SIGSTORE_ROOT;
        const snapshotKey = o["snapshot-key"]
          ? await Deno.readTextFile(o["snapshot-key"])
          : undefined;
        const api = o["allow-publish"]
          ? createPublishApi({
            rootDir: rest[1],
            ...(rootPath ? { trustedRootJson: await Deno.readTextFile(rootPath) } : {}),
            ...(snapshotKey
              ? {
                afterIndexWrite: async () => {
                  await writeRegistrySnapshot(rest[1], { privateKeyFile: snapshotKey });
                },
              }
              : {}),
          })
          : undefined;
        const server = await serveRegistry(rest[1], {
          hostname: o.host ?? "127.0.0.1",
          port,
          signal: controller.signal,
          ...(api ? { api } : {}),
        });
        console.log(
          `Serving registry ${rest[1]} at ${server.url}${
            api ? ` (publish API on, trusted root ${rootPath ?? "public-good Sigstore"})` : ""
          }`,
        );
        const stop = () => controller.abort();
        Deno.addSignalListener("SIGINT", stop);
        Deno.addSignalListener("SIGTERM", stop);
        await server.finished;
        return 0;
      }
      case "sigstore": {
        const artifactArg = rest[1];
        if (
          rest[0] !== "verify" || !artifactArg || !o.bundle || !o["certificate-identity"] ||
          !o["certificate-oidc-issuer"]
        ) {
          throw new MochiError(
            "CLI_E001",
            "mochi sigstore verify needs --bundle, --certificate-identity, --certificate-oidc-issuer and an artifact",
            {
              hint:
                "mochi sigstore verify --bundle F --certificate-identity SAN --certificate-oidc-issuer ISS [--trusted-root F] ARTIFACT",
            },
          );
        }
        const rootPath = o["trusted-root"] ?? env.MOCHI_SIGSTORE_ROOT;
        const digest = parseArtifactDigest(artifactArg);
        const result = await verifySigstoreBundle({
          bundleJson: await Deno.readTextFile(o.bundle),
          ...(rootPath ? { trustedRootJson: await Deno.readTextFile(rootPath) } : {}),
          identity: o["certificate-identity"],
          issuer: o["certificate-oidc-issuer"],
          artifact: digest ? { digest } : { bytes: await Deno.readFile(artifactArg) },
        });
        if (!result.ok) {
          throw new MochiError(
            result.code,
            `${o.bundle} does not verify: ${result.reason}`,
            result.hint ? { hint: result.hint } : {},
          );
        }
        out.info(
          `OK: ${o.bundle} verifies ${artifactArg}, signed by ${result.signer.subjectAlternativeName} (issuer ${result.signer.issuer})`,
        );
        return 0;
      }
      default:
        throw new MochiError("CLI_E001", `unknown command "${command}"`, {
          hint: "run mochi --help for the commands",
        });
    }
  } catch (e) {
    return printError(e, verbose);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
