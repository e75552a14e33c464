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
  addDependency,
  exitStatusOf,
  formatTree,
  formatWhy,
  FsStore,
  install,
  lock,
  lockGraph,
  MochiError,
  parseArtifactDigest,
  parseDurationMs,
  readProject,
  readSnapshotKeyFile,
  resolveMochiHome,
  serveRegistry,
  verifySigstoreBundle,
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "./mod.ts";

const VERSION = "0.1.0";

const USAGE = `mochi pkg ${VERSION}: the Mochi package manager

Usage: mochi <command> [options]

Commands:
  install                 resolve (or reuse mochi.lock), fetch and verify every package
  add <pkg>[@req]         add a dependency to mochi.toml (warns about look-alike names)
  lock [--check]          write mochi.lock without fetching; --check only compares (exit 1 on drift)
  tree [--depth N]        show the locked dependency tree
  why <package>           show every path by which a package enters the graph
  verify                  re-hash every blob in the store against its address
  registry serve <dir>    serve a registry directory [--host 127.0.0.1] [--port 0]
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
MOCHI_REGISTRY (registry URL or path when mochi.toml has no [registry] default).`;

interface Out {
  info(line: string): void;
  detail(line: string): void;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
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
  const common = {
    projectDir,
    mochiHome: resolveMochiHome(env),
    offline: o.offline === true,
    locked: o.locked === true,
    frozen: o.frozen === true,
    refresh: o.refresh === true,
    onProgress: out.detail,
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
            : parseDurationMs(o["expires-in"]);
          if (expiresInMs === undefined && o["expires-in"] !== undefined) {
            throw new MochiError(
              "CLI_E001",
              `--expires-in takes 90s, 30m, 12h or 7d, got "${o["expires-in"]}"`,
            );
          }
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
