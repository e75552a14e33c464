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
import {
  cachePrune,
  cacheSize,
  exitStatusOf,
  formatTree,
  formatWhy,
  FsStore,
  install,
  lock,
  lockGraph,
  MochiError,
  parseArtifactDigest,
  parseDuration,
  readProject,
  resolveMochiHome,
  serveRegistry,
  type StoreHolder,
  testHooksFromEnv,
  verifySigstoreBundle,
} from "./mod.ts";

const VERSION = "0.1.0";

const USAGE = `mochi pkg ${VERSION}: the Mochi package manager

Usage: mochi <command> [options]

Commands:
  install                 resolve (or reuse mochi.lock), fetch and verify every package
  lock [--check]          write mochi.lock without fetching; --check only compares (exit 1 on drift)
  tree [--depth N]        show the locked dependency tree
  why <package>           show every path by which a package enters the graph
  verify                  re-hash every blob in the store against its address
  cache size              blobs, extracted trees, temp files and index cache, with their sizes
  cache prune [--older-than DUR] [--dry-run]
                          delete blobs unused for DUR (default 30d; 12h, 90m, 0 …), their trees,
                          and what killed processes left; waits for running installs
  registry serve <dir>    serve a registry directory [--host 127.0.0.1] [--port 0]
  sigstore verify --bundle F --certificate-identity SAN --certificate-oidc-issuer ISS
                  [--trusted-root F] ARTIFACT
                          verify a Sigstore bundle offline; ARTIFACT is a file or sha256:<hex>

Global options:
  --offline    never touch the network          --locked   fail if mochi.lock would change
  --frozen     --locked and --offline           --refresh  re-resolve even if the lock fits
  --quiet, -q  print errors only                --verbose, -v  print progress
  -C <dir>     run as if started in <dir>       --help, -h / --version

Environment: MOCHI_HOME (store and index cache; default $XDG_CACHE_HOME/mochi or ~/.cache/mochi),
MOCHI_REGISTRY (registry URL or path when mochi.toml has no [registry] default).
Tests only, with MOCHI_TEST=1: MOCHI_TEST_FAULT, MOCHI_TEST_MAX_* (see src/adapters/test_hooks.ts).`;

interface Out {
  info(line: string): void;
  detail(line: string): void;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
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
        "dry-run": { type: "boolean" },
        "older-than": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        depth: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        dir: { type: "string", short: "C" },
        bundle: { type: "string" },
        "trusted-root": { type: "string" },
        "certificate-identity": { type: "string" },
        "certificate-oidc-issuer": { type: "string" },
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
  const env = Deno.env.toObject();
  const projectDir = o.dir ?? Deno.cwd();
  let hooks;
  try {
    hooks = testHooksFromEnv(env);
  } catch (e) {
    return printError(e, verbose);
  }
  const common = {
    projectDir,
    mochiHome: resolveMochiHome(env),
    offline: o.offline === true,
    locked: o.locked === true,
    frozen: o.frozen === true,
    refresh: o.refresh === true,
    onProgress: out.detail,
    onWait: printWait,
    hooks,
    ...(env.MOCHI_REGISTRY ? { registryUrl: env.MOCHI_REGISTRY } : {}),
  };
  try {
    switch (command) {
      case "install": {
        const r = await install(common);
        if (!r.resolved && r.fetched === 0 && !r.lockChanged) {
          out.info(
            `Up to date: ${r.packages} packages locked in mochi.lock, all in the store (nothing resolved, nothing fetched) in ${
              seconds(r.elapsedMs)
            }`,
          );
        } else {
          if (r.resolved) {
            out.info(`Resolved ${r.packages} packages in ${seconds(r.solveMs)} from ${r.registry}`);
          } else out.info(`Using mochi.lock: ${r.packages} packages`);
          out.info(
            `Fetched ${r.fetched} packages, verified BLAKE3 and SHA-256 of each${
              r.cached ? `; ${r.cached} already in the store` : ""
            }`,
          );
          out.info(`${r.lockChanged ? "Wrote" : "Kept"} ${r.lockPath}`);
          out.info(`Store: ${r.storeDir}`);
          out.info(`Done in ${seconds(r.elapsedMs)}`);
        }
        return 0;
      }
      case "lock": {
        const r = await lock({ ...common, check: o.check === true });
        if (o.check) {
          if (r.upToDate) {
            out.info(`mochi.lock is up to date (${r.packages} packages)`);
            return 0;
          }
          console.error(
            `error[LOCK_E002]: mochi.lock is out of date: ${r.changes.length} change(s)`,
          );
          for (const c of r.changes) console.error(`  ${c}`);
          console.error("help: run mochi lock to update it");
          return 1;
        }
        out.info(
          r.written
            ? `Wrote ${r.lockPath} (${r.packages} packages, ${r.changes.length} change(s))`
            : `mochi.lock is up to date (${r.packages} packages)`,
        );
        for (const c of r.changes) out.detail(`  ${c}`);
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
        if (rest[0] !== "serve" || !rest[1]) {
          throw new MochiError("CLI_E001", `unknown registry command "${rest.join(" ")}"`, {
            hint: "mochi registry serve <dir> [--host 127.0.0.1] [--port 0]",
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
        const server = await serveRegistry(rest[1], {
          hostname: o.host ?? "127.0.0.1",
          port,
          signal: controller.signal,
        });
        console.log(`Serving registry ${rest[1]} at ${server.url}`);
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
