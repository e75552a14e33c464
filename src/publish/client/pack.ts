/**
 * `mochi pack`: walk a package directory, pick its files, run the publish preflight and write a
 * byte-reproducible `.tar.zst` (`src/store/archive.ts` rules; reproducible-builds.org
 * `SOURCE_DATE_EPOCH`). The archive bytes depend only on the selected files' paths, contents
 * and execute bits and on `SOURCE_DATE_EPOCH`: not on the time zone, umask, file mtimes, owner or
 * directory order.
 *
 * @module
 */
import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import { type Manifest, parseManifest } from "../../manifest/mod.ts";
import { decodeUtf8Strict } from "../../manifest/utf8.ts";
import { fileSelector, publishProblems } from "../../pack/mod.ts";
import { type ArchiveInput, type Digest, digestBytes, writeArchive } from "../../store/mod.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";
import { LIMITS } from "../../limits.ts";

/** Largest archive `mochi pack` writes, in bytes (compressed; 50 MiB). */
export const MAX_PACKAGE_BYTES: number = LIMITS.packageBytes;
/** Largest sum of packed file sizes, in bytes, read before compressing. */
export const MAX_PACKAGE_UNPACKED_BYTES: number = LIMITS.unpackedBytes;

/** Options of {@link packPackage}. */
export interface PackOptions {
  /** Directory holding `mochi.toml`. */
  projectDir: string;
  /** Entry mtime in seconds (`SOURCE_DATE_EPOCH`); default 0. */
  mtimeSeconds?: number;
  /** Limit on the compressed archive, in bytes; default {@link MAX_PACKAGE_BYTES}. */
  maxSizeBytes?: number;
  /** Skip the publish preflight (tests and `mochi install`-only packages). */
  skipPreflight?: boolean;
  /**
   * The `mochi.toml` to pack instead of the file on disk: a workspace member's normalized
   * manifest (`normalizeMemberManifest`), read on its own with no workspace around it.
   */
  manifestText?: string;
}

/** A packed package. */
export interface PackedPackage {
  /** The parsed manifest. */
  manifest: Manifest;
  /** Text of `mochi.toml`. */
  manifestText: string;
  /** Packed file paths, sorted. */
  files: string[];
  /** The `.tar.zst` bytes. */
  archive: Uint8Array;
  /** BLAKE3 and SHA-256 of {@link PackedPackage.archive}. */
  digest: Digest;
  /** Conventional file name, e.g. `mochi-strings-1.2.0.tar.zst` for `@mochi/strings`. */
  fileName: string;
}

/**
 * The archive file name of a package version: `@scope/name` → `scope-name-<version>.tar.zst`.
 *
 * @param name package name
 * @param version version text
 * @returns the file name
 */
export function archiveFileName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tar.zst`;
}

async function walk(
  root: string,
  selector: ReturnType<typeof fileSelector>,
  rel: string,
  out: ArchiveInput[],
  budget: { bytes: number },
): Promise<void> {
  const dir = rel === "" ? root : join(root, rel);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  names.sort();
  for (const name of names) {
    const path = rel === "" ? name : `${rel}/${name}`;
    const info = await Deno.lstat(join(root, path));
    if (info.isDirectory) {
      if (selector.enterDirectory(path)) await walk(root, selector, path, out, budget);
      continue;
    }
    if (!selector.includesFile(path)) continue;
    if (info.isSymlink || !info.isFile) {
      throw new MochiError(
        "PUB_E002",
        `${path} is a ${
          info.isSymlink ? "symlink" : "special file"
        }; packages hold only regular files and directories`,
        {
          hint:
            `replace it with a copy of the file, or exclude it ([package] exclude or .mochiignore)`,
          file: join(root, path),
        },
      );
    }
    budget.bytes -= info.size;
    if (budget.bytes < 0) {
      throw new MochiError(
        "PUB_E003",
        `the package's files add up to more than ${MAX_PACKAGE_UNPACKED_BYTES} bytes (at ${path})`,
        { hint: "exclude large files ([package] exclude or .mochiignore)" },
      );
    }
    const bytes = await Deno.readFile(join(root, path));
    out.push({ path, bytes, executable: ((info.mode ?? 0) & 0o111) !== 0 });
  }
}

/**
 * Pack the package in `projectDir`.
 *
 * Files: `[package] include` (default `mochi.toml README* LICENSE* CHANGELOG* src/**`) minus
 * `[package] exclude` (default: VCS dirs, root build output, logs, secrets; see
 * `DEFAULT_EXCLUDES`) minus `.mochiignore`; `mochi.toml` and the readme are always packed. The
 * walk never follows a symlink: an included symlink or special file fails the pack.
 *
 * @param options project directory, mtime, size limit
 * @returns the archive, its digests and the packed file list
 * @throws {MochiError} `MANIFEST_*` for a bad manifest; `PUB_E001` listing every publish
 *   problem, sorted, one per line; `PUB_E002` symlink or special file; `PUB_E003` over the size
 *   limit
 */
export async function packPackage(options: PackOptions): Promise<PackedPackage> {
  const root = options.projectDir;
  const manifestPath = join(root, "mochi.toml");
  let manifestText: string;
  try {
    // Strict UTF-8, as install reads it: a manifest install rejects is never packed.
    manifestText = options.manifestText ?? decodeUtf8Strict(
      await Deno.readFile(manifestPath),
      manifestPath,
      "MANIFEST_E001",
      "save mochi.toml as UTF-8",
    );
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MochiError("MANIFEST_E011", `could not find mochi.toml in ${root}`, {
        hint: "run mochi pack in the directory of your package",
      });
    }
    throw e;
  }
  const { manifest } = parseManifest(manifestText, manifestPath);
  let ignoreFile: string | undefined;
  try {
    ignoreFile = await Deno.readTextFile(join(root, ".mochiignore"));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const readme = manifest.package.readme?.replace(/^\.\//, "");
  const selector = fileSelector({
    ...(manifest.package.include ? { include: manifest.package.include } : {}),
    ...(manifest.package.exclude ? { exclude: manifest.package.exclude } : {}),
    ...(ignoreFile !== undefined ? { ignoreFile } : {}),
    always: readme ? ["mochi.toml", readme] : ["mochi.toml"],
  });
  const entries: ArchiveInput[] = [];
  await walk(root, selector, "", entries, { bytes: MAX_PACKAGE_UNPACKED_BYTES });
  if (options.manifestText !== undefined) {
    // The packed mochi.toml is the one given, not the file on disk.
    const at = entries.findIndex((e) => e.path === "mochi.toml");
    const bytes = new TextEncoder().encode(options.manifestText);
    if (at >= 0) entries[at] = { ...entries[at]!, bytes };
    else entries.push({ path: "mochi.toml", bytes, executable: false });
  }
  const files = entries.map((e) => e.path).sort();
  if (!options.skipPreflight) {
    const problems = publishProblems(manifest, new Set(files));
    if (problems.length > 0) {
      throw new MochiError(
        "PUB_E001",
        `${manifest.package.name} ${manifest.package.version} cannot be published yet (${problems.length} problem${
          problems.length === 1 ? "" : "s"
        }):\n  ${problems.join("\n  ")}`,
        { hint: "fix these in mochi.toml, then run mochi pack again", file: manifestPath },
      );
    }
  }
  const archive = await writeArchive(entries, { mtimeSeconds: options.mtimeSeconds ?? 0 });
  const limit = options.maxSizeBytes ?? MAX_PACKAGE_BYTES;
  if (archive.length > limit) {
    throw new MochiError(
      "PUB_E003",
      `the packed archive is ${archive.length} bytes, over the limit of ${limit} bytes`,
      { hint: "exclude large files ([package] exclude or .mochiignore)" },
    );
  }
  return {
    manifest,
    manifestText,
    files,
    archive,
    digest: await digestBytes(archive),
    fileName: archiveFileName(manifest.package.name, manifest.package.version),
  };
}

/** Result of {@link packToDir}. */
export interface PackResult extends PackedPackage {
  /** Where the archive was written. */
  path: string;
  /** True when `verifyReproducible` packed twice and both were identical. */
  reproducible: boolean;
}

/**
 * Pack and write the archive to `outDir` (temp file, fsync, rename). With `verifyReproducible`
 * the package is packed twice and the two archives must be byte-identical.
 *
 * @param options {@link PackOptions} plus the output directory and the reproducibility check
 * @returns the packed package and the path written
 * @throws {MochiError} as {@link packPackage}; `PUB_E004` when two packs differ
 */
export async function packToDir(
  options: PackOptions & { outDir: string; verifyReproducible?: boolean },
): Promise<PackResult> {
  const first = await packPackage(options);
  let reproducible = false;
  if (options.verifyReproducible) {
    const second = await packPackage(options);
    if (second.digest.blake3 !== first.digest.blake3) {
      throw new MochiError(
        "PUB_E004",
        `two packs of ${first.manifest.package.name} ${first.manifest.package.version} differ (BLAKE3 ${first.digest.blake3} then ${second.digest.blake3})`,
        { hint: "a file changed while packing, or the pack is not deterministic; pack again" },
      );
    }
    reproducible = true;
  }
  await Deno.mkdir(options.outDir, { recursive: true });
  const path = join(options.outDir, first.fileName);
  await writeFileAtomic(path, first.archive);
  return { ...first, path, reproducible };
}
