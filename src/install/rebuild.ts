/**
 * `mochi rebuild`, done: fetch the published blob of a locked package (checked against the
 * lock's digests), fetch the source at the commit with the git runner of git sources
 * (`fetchGitSource`: transports limited, no hooks or prompts, a deadline per git command), pack
 * it the way `mochi publish` packs, and compare byte for byte, then file by file.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { packPackage } from "../publish/client/pack.ts";
import { fetchGitSource } from "./git_fetch.ts";
import { archiveDifferences, type RebuildDifference } from "../publish/rebuild.ts";
import { readAtMost } from "../registry/client/_bounded_read.ts";
import { networkLimitsFromEnv, openRegistry } from "../registry/client/index_client.ts";
import { readArchiveAll, sourceDateEpoch } from "../store/archive.ts";
import { digestBytes } from "../store/digest.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import type { Project } from "./project.ts";

/** What {@link rebuildFromSource} found. */
export interface RebuildResult {
  /** True when the source packs to the published bytes. */
  reproducible: boolean;
  /** The published blob's BLAKE3. */
  blake3: string;
  /** The file-level differences (empty when reproducible, or when only archive metadata differs). */
  differences: RebuildDifference[];
}

/**
 * Rebuilds a locked registry package from its source and compares it with the published blob.
 *
 * @param project the project whose lock names the package
 * @param spec the package, its version, and the source (from `parseFromSource`)
 * @param options `$MOCHI_HOME`, the environment (`SOURCE_DATE_EPOCH`, network limits) and the
 *   deadline of each git command (`timeoutMs`, default `GIT_TIMEOUT_MS`)
 * @returns the {@link RebuildResult}
 * @throws {MochiError} `CLI_E001` not a registry package in the lock; `BLOB_E004` the blob is
 *   over `LIMITS.packageBytes`; `BLOB_E001` the registry's blob does not match the lock;
 *   `REBUILD_E002` the commit is not in the repository; `GIT_E001` git is missing, failed or
 *   ran past its deadline; `SOURCE_E003` a refused URL; `REBUILD_E001` the source is another
 *   package or version
 */
export async function rebuildFromSource(
  project: Project,
  spec: { name: string; version: string; url: string; commit: string },
  options: { mochiHome: string; env: Record<string, string | undefined>; timeoutMs?: number },
): Promise<RebuildResult> {
  const { name, version, url, commit } = spec;
  const p = project.lock?.packages.find((q) => q.name === name && q.version === version);
  if (
    !p || p.blake3 === undefined || p.sha256 === undefined || !p.source.startsWith("registry+")
  ) {
    throw new MochiError("CLI_E001", `${name} ${version} is not a registry package in mochi.lock`, {
      hint: "mochi tree lists the locked packages",
    });
  }
  const client = openRegistry(p.source.slice("registry+".length), {
    cacheDir: mochiHomeLayout(options.mochiHome).index,
    ...networkLimitsFromEnv(options.env),
  });
  const published = await readAtMost(await client.fetchBlob(p.blake3), {
    bytes: LIMITS.packageBytes,
    error: () =>
      new MochiError(
        "BLOB_E004",
        `${name} ${version}'s blob is larger than ${LIMITS.packageBytes} bytes`,
      ),
  });
  const digest = await digestBytes(published);
  if (digest.blake3 !== p.blake3 || digest.sha256 !== p.sha256) {
    throw new MochiError(
      "BLOB_E001",
      `${name} ${version}: the registry's blob does not match mochi.lock's digests`,
    );
  }
  // The one git runner of git sources: URL and rev checked again, transports limited, no hooks,
  // no prompt, a deadline on every git command, the commit fetched into a private repository.
  let checkout;
  try {
    checkout = await fetchGitSource({
      url: url.startsWith("/") ? `file://${url}` : url,
      ref: { kind: "rev", value: commit },
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  } catch (e) {
    if (e instanceof MochiError && e.code === "GIT_E002") {
      throw new MochiError("REBUILD_E002", `${url} has no commit ${commit}: ${e.message}`, {
        hint: "check the repository URL and that the commit exists in it",
        cause: e,
      });
    }
    throw e;
  }
  await using source = checkout;
  const packed = await packPackage({
    projectDir: source.dir,
    mtimeSeconds: sourceDateEpoch(options.env.SOURCE_DATE_EPOCH),
    skipPreflight: true,
  });
  if (packed.manifest.package.name !== name || packed.manifest.package.version !== version) {
    throw new MochiError(
      "REBUILD_E001",
      `the source at ${commit} is ${packed.manifest.package.name} ${packed.manifest.package.version}, not ${name} ${version}`,
      { hint: "name the commit the version was published from" },
    );
  }
  if (packed.digest.blake3 === p.blake3) {
    return { reproducible: true, blake3: p.blake3, differences: [] };
  }
  const differences = archiveDifferences(
    await readArchiveAll(ReadableStream.from([published])),
    await readArchiveAll(ReadableStream.from([packed.archive])),
  );
  return { reproducible: false, blake3: p.blake3, differences };
}
