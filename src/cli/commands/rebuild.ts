/**
 * `mochi rebuild <pkg>@<version> --from-source <git-url>@<commit>`: check out the source at that
 * commit, pack it the way `mochi publish` packs (same file selection, `SOURCE_DATE_EPOCH` or 0),
 * and compare with the published blob byte for byte; when they differ, name every file that is
 * only in the published archive, only in the source, or different (the check that would have
 * caught the xz-utils release tarball).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { networkLimitsFromEnv, openRegistry } from "../../registry/client/index_client.ts";
import { mochiHomeLayout } from "../../store/fs/home.ts";
import { packPackage } from "../../publish/client/pack.ts";
import { type ArchiveEntry, readArchiveAll, sourceDateEpoch } from "../../store/archive.ts";
import { digestBytes } from "../../store/digest.ts";
import { LIMITS } from "../../limits.ts";
import { type CommandSpec, stringOption } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

/** One difference between the published archive and the rebuilt one. */
export interface RebuildDifference {
  /** The entry's path. */
  path: string;
  /** `published-only`, `source-only`, `content` or `mode`. */
  kind: "published-only" | "source-only" | "content" | "mode";
}

function entriesOf(list: readonly ArchiveEntry[]): Map<string, ArchiveEntry> {
  const m = new Map<string, ArchiveEntry>();
  for (const e of list) if (e.type === "file") m.set(e.path, e);
  return m;
}

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The file-level differences of two package archives' entries, sorted by path.
 *
 * @param published the published archive's entries
 * @param rebuilt the rebuilt archive's entries
 * @returns the differences (empty when every file is the same)
 */
export function archiveDifferences(
  published: readonly ArchiveEntry[],
  rebuilt: readonly ArchiveEntry[],
): RebuildDifference[] {
  const a = entriesOf(published);
  const b = entriesOf(rebuilt);
  const out: RebuildDifference[] = [];
  for (const [path, e] of a) {
    const f = b.get(path);
    if (!f) out.push({ path, kind: "published-only" });
    else if (e.sizeBytes !== f.sizeBytes || sha(e.bytes) !== sha(f.bytes)) {
      out.push({ path, kind: "content" });
    } else if (e.executable !== f.executable) out.push({ path, kind: "mode" });
  }
  for (const path of b.keys()) if (!a.has(path)) out.push({ path, kind: "source-only" });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

async function git(args: string[], cwd?: string): Promise<void> {
  const r = await new Deno.Command("git", {
    args,
    ...(cwd ? { cwd } : {}),
    env: { GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    const why = new TextDecoder().decode(r.stderr).trim().split("\n").slice(-1)[0] ?? "";
    throw new MochiError("REBUILD_E002", `git ${args[0]} failed: ${why.slice(0, 300)}`, {
      hint: "check the repository URL and that the commit exists in it",
    });
  }
}

async function readCapped(stream: ReadableStream<Uint8Array>, max: number, what: string) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > max) throw new MochiError("BLOB_E004", `${what} is larger than ${max} bytes`);
    chunks.push(c);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

const LABEL: Record<RebuildDifference["kind"], string> = {
  "published-only": "only in the published archive",
  "source-only": "only in the source",
  content: "contents differ",
  mode: "executable bit differs",
};

/** `mochi rebuild`. */
export const command: CommandSpec = {
  operands: "<pkg>@<version>",
  minArgs: 1,
  maxArgs: 1,
  description: [
    "The package must be in mochi.lock (its digests and registry come from there).",
    "Exit 0 when the source packs to the published bytes, 4 when they differ.",
    "Example: mochi rebuild @acme/log@0.3.1 --from-source https://example.org/acme/log.git@<commit>",
  ].join("\n"),
  options: {
    "from-source": {
      type: "string",
      value: "URL@COMMIT",
      help: "the git repository and the commit to pack (required)",
    },
  },
  async run(ctx) {
    const spec = ctx.args[0]!;
    const at = spec.lastIndexOf("@");
    if (at <= 0) {
      throw new MochiError(
        "CLI_E001",
        `name a version: mochi rebuild <pkg>@<version>, got "${spec}"`,
      );
    }
    const [name, version] = [spec.slice(0, at), spec.slice(at + 1)];
    const from = stringOption(ctx.values, "from-source");
    const fat = from?.lastIndexOf("@") ?? -1;
    const url = from?.slice(0, fat) ?? "";
    const commit = from?.slice(fat + 1) ?? "";
    if (from === undefined || fat <= 0 || !/^[0-9a-f]{7,64}$/.test(commit) || url.startsWith("-")) {
      throw new MochiError("CLI_E001", "--from-source takes <git-url>@<commit hex>", {
        hint: "mochi rebuild @acme/log@0.3.1 --from-source <repo URL>@<full commit hash>",
      });
    }
    const projectDir = await projectDirOf(ctx);
    const project = await readProject(projectDir);
    const p = project.lock?.packages.find((q) => q.name === name && q.version === version);
    if (
      !p || p.blake3 === undefined || p.sha256 === undefined || !p.source.startsWith("registry+")
    ) {
      throw new MochiError(
        "CLI_E001",
        `${name} ${version} is not a registry package in mochi.lock`,
        {
          hint: "mochi tree lists the locked packages",
        },
      );
    }
    const client = openRegistry(p.source.slice("registry+".length), {
      cacheDir: mochiHomeLayout(mochiHomeOf(ctx)).index,
      ...networkLimitsFromEnv(ctx.env),
    });
    const published = await readCapped(
      await client.fetchBlob(p.blake3),
      LIMITS.packageBytes,
      `${name} ${version}'s blob`,
    );
    const digest = await digestBytes(published);
    if (digest.blake3 !== p.blake3 || digest.sha256 !== p.sha256) {
      throw new MochiError(
        "BLOB_E001",
        `${name} ${version}: the registry's blob does not match mochi.lock's digests`,
      );
    }
    const tmp = await Deno.makeTempDir({ prefix: "mochi-rebuild-" });
    try {
      const src = `${tmp}/src`;
      await git(["clone", "--quiet", "--no-checkout", "--", url, src]);
      await git(["-c", "advice.detachedHead=false", "checkout", "--quiet", commit, "--"], src);
      const packed = await packPackage({
        projectDir: src,
        mtimeSeconds: sourceDateEpoch(ctx.env.SOURCE_DATE_EPOCH),
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
        ctx.out.data(
          `${name} ${version}: reproducible: ${url} at ${commit} packs to the published bytes (blake3 ${p.blake3})`,
        );
        return 0;
      }
      const diffs = archiveDifferences(
        await readArchiveAll(ReadableStream.from([published])),
        await readArchiveAll(ReadableStream.from([packed.archive])),
      );
      for (const d of diffs) ctx.out.data(`  ${d.path}: ${LABEL[d.kind]}`);
      throw new MochiError(
        "REBUILD_E001",
        `${name} ${version}: the published archive is not what ${url} at ${commit} packs to (${
          diffs.length > 0
            ? `${diffs.length} file(s) differ`
            : "same files; the archive metadata differs (mtime, order or compression)"
        })`,
        {
          hint: "do not trust this version until its publisher explains the difference; " +
            "report it to the registry",
        },
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
};
