/**
 * Registry mirrors, the operator's side: `mochi mirror sync <upstream> <dest>`
 * copies a registry that signs its snapshot into a directory or an S3 bucket, incrementally, and
 * `mochi mirror audit <mirror>` compares a mirror with its primary and names every divergence.
 *
 * Sync trusts nothing it copies: the upstream's `snapshot.json` must verify under its key (the
 * one in its `config.json`, or the one given), every index file must match the snapshot's
 * SHA-256 and size, every blob the BLAKE3 and SHA-256 of its index line. It writes blobs first,
 * then index files, then the primary's signed `snapshot.json` unchanged, so a client reading the
 * mirror mid-sync sees an older consistent state or the new one. It is incremental by snapshot
 * version (a mirror at the upstream's version, fetched with `If-None-Match` on the snapshot's
 * ETag, costs two requests) and by digest (unchanged index files and present blobs are not
 * fetched again).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MochiError } from "../../errors.ts";
import {
  parseIndexFile,
  parseRegistryConfig,
  parseSnapshot,
  type SignedSnapshot,
  SNAPSHOT_PATH,
  verifySnapshotSignature,
} from "../../index/mod.ts";
import { LIMITS } from "../../limits.ts";
import { readAtMost } from "../client/_bounded_read.ts";
import { digestBytes } from "../../store/mod.ts";
import { checkStorageKey, type RegistryStorage } from "./storage_types.ts";

const MAX_CONFIG_BYTES = 1024 * 1024;
const STATE_KEY = ".mirror-state.json";
const BLOB_NAME = /^[0-9a-f]{64}$/;

/** Options of {@link syncMirror} and {@link auditMirror}. */
export interface MirrorOptions {
  /** The primary's snapshot key (`"ed25519:<base64>"`); default the one its config.json names. */
  publicKey?: string;
  /** Deadline of one request in milliseconds; default 60 000. */
  timeoutMs?: number;
  /** The fetch to use (tests); default the global one. */
  fetch?: typeof fetch;
}

/** What {@link syncMirror} did. */
export interface MirrorSyncResult {
  /** The snapshot version the mirror now holds. */
  readonly snapshotVersion: number;
  /** True when the mirror was already at that version (nothing copied). */
  readonly upToDate: boolean;
  /** Index files fetched and written. */
  readonly indexFiles: number;
  /** Blobs and bundles fetched and written. */
  readonly blobs: number;
  /** Index files removed because the snapshot no longer lists them. */
  readonly removed: number;
}

interface Fetched {
  status: number;
  bytes: Uint8Array<ArrayBuffer>;
  etag: string | undefined;
}

function base(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** GET with a deadline and a cap in decoded bytes; 404/410/304 come back as a status. */
async function getCapped(
  url: string,
  maxBytes: number,
  options: MirrorOptions,
  headers: Record<string, string> = {},
): Promise<Fetched> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new MochiError(
      "INDEX_E001",
      `cannot read ${url}: ${e instanceof Error ? e.message : String(e)}`,
      { hint: "check that the registry is up and the URL is right", cause: e },
    );
  }
  if (res.status === 404 || res.status === 410 || res.status === 304) {
    await res.body?.cancel();
    return {
      status: res.status,
      bytes: new Uint8Array(),
      etag: res.headers.get("etag") ?? undefined,
    };
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new MochiError("INDEX_E001", `${url} answered ${res.status}`, {
      hint: "the registry failed; try again later",
    });
  }
  const bytes = await readAtMost(res.body, {
    bytes: maxBytes,
    error: () =>
      new MochiError("INDEX_E010", `${url} is larger than ${maxBytes} bytes`, {
        hint: "the registry serves more than any file of its kind may hold",
      }),
  });
  return { status: res.status, bytes, etag: res.headers.get("etag") ?? undefined };
}

/** A snapshot path as a URL path: each segment percent-encoded. */
function urlPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/**
 * Whether a path listed by a snapshot is one a registry serves: plain segments, none empty or
 * starting with `.` (a hostile upstream must not write the mirror's dot files), not the files
 * the mirror writes itself.
 */
function servedPath(path: string): boolean {
  if (path === "config.json" || path === SNAPSHOT_PATH) return false;
  try {
    checkStorageKey(path);
  } catch {
    return false;
  }
  return path.split("/").every((p) => !p.startsWith("."));
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The package name of an index path (`st/ri/acme/strings` → `@acme/strings`), if it is one. */
function nameOfIndexPath(path: string): string | undefined {
  const p = path.split("/");
  if (p.length !== 4) return undefined;
  return p[2] === "-" ? p[3] : `@${p[2]}/${p[3]}`;
}

/** The upstream's config, key and verified snapshot. */
async function readSigned(
  root: string,
  options: MirrorOptions,
  snapshotEtag?: string,
): Promise<{
  configBytes: Uint8Array<ArrayBuffer>;
  dl: string;
  key: string;
  snapshot: SignedSnapshot | undefined;
  snapshotBytes: Uint8Array<ArrayBuffer>;
  snapshotEtag: string | undefined;
}> {
  const configUrl = `${root}config.json`;
  const config = await getCapped(configUrl, MAX_CONFIG_BYTES, options);
  if (config.status !== 200) {
    throw new MochiError("INDEX_E003", `${root} has no config.json`, {
      hint: "pass the registry's index root URL",
    });
  }
  const cfg = parseRegistryConfig(new TextDecoder().decode(config.bytes), configUrl);
  const key = options.publicKey ?? cfg.snapshotKey;
  if (key === undefined) {
    throw new MochiError(
      "MIRROR_E002",
      `${root} names no snapshot-key: a mirror of it could not be checked by anyone`,
      { hint: "the registry operator signs snapshot.json (mochi registry keygen); or pass --key" },
    );
  }
  const snapUrl = `${root}${SNAPSHOT_PATH}`;
  const snap = await getCapped(
    snapUrl,
    LIMITS.indexBytes,
    options,
    snapshotEtag === undefined ? {} : { "If-None-Match": snapshotEtag },
  );
  if (snap.status === 304) {
    return {
      configBytes: config.bytes,
      dl: cfg.dl,
      key,
      snapshot: undefined,
      snapshotBytes: snap.bytes,
      snapshotEtag: snapshotEtag,
    };
  }
  if (snap.status !== 200) {
    throw new MochiError("MIRROR_E002", `${root} serves no ${SNAPSHOT_PATH}`, {
      hint: "the registry operator signs snapshot.json (mochi registry snapshot)",
    });
  }
  const signed = parseSnapshot(new TextDecoder().decode(snap.bytes), snapUrl);
  await verifySnapshotSignature(signed, key, snapUrl);
  return {
    configBytes: config.bytes,
    dl: cfg.dl,
    key,
    snapshot: signed,
    snapshotBytes: snap.bytes,
    snapshotEtag: snap.etag,
  };
}

/**
 * Copies the registry at `upstream` into `dest` (see the module doc for what is checked).
 *
 * @param upstream the primary's index root, `http(s)://…/`
 * @param dest the mirror's storage (a directory or an S3 bucket, see `openStorage`)
 * @param options the primary's key, request deadline, fetch
 * @returns the snapshot version and what was copied
 * @throws {MochiError} `MIRROR_E002` when the upstream has no snapshot key or snapshot, or its
 *   snapshot is older than the mirror's; `SNAPSHOT_E002` bad signature; `MIRROR_E001` when an
 *   index file or blob does not match what the snapshot or its index line says;
 *   `INDEX_E001`/`INDEX_E010` unreadable or oversized upstream files
 *
 * @example
 * ```ts ignore
 * import { openStorage, syncMirror } from "@mochi/pkg/registry";
 * const r = await syncMirror("https://registry.example/index/", await openStorage("./mirror"));
 * console.log(r.snapshotVersion);
 * ```
 */
export async function syncMirror(
  upstream: string,
  dest: RegistryStorage,
  options: MirrorOptions = {},
): Promise<MirrorSyncResult> {
  const root = base(upstream);
  const dec = new TextDecoder();
  const stateObj = await dest.get(STATE_KEY, MAX_CONFIG_BYTES);
  let state: { upstream?: string; snapshotEtag?: string; version?: number } = {};
  try {
    if (stateObj !== undefined) state = JSON.parse(dec.decode(stateObj.bytes));
  } catch {
    state = {};
  }
  const mineObj = await dest.get(SNAPSHOT_PATH, LIMITS.indexBytes);
  const mine = mineObj === undefined
    ? undefined
    : parseSnapshot(dec.decode(mineObj.bytes), SNAPSHOT_PATH);
  const known = state.upstream === root && mine !== undefined &&
      mine.signed.version === state.version
    ? state.snapshotEtag
    : undefined;
  const up = await readSigned(root, options, known);
  if (up.snapshot === undefined) {
    return {
      snapshotVersion: mine!.signed.version,
      upToDate: true,
      indexFiles: 0,
      blobs: 0,
      removed: 0,
    };
  }
  const snap = up.snapshot.signed;
  if (mine !== undefined && mine.signed.version > snap.version) {
    throw new MochiError(
      "MIRROR_E002",
      `${root} serves snapshot version ${snap.version}, older than the mirror's ${mine.signed.version}`,
      { hint: "the upstream rolled back or is a stale copy; do not sync from it" },
    );
  }
  const absoluteDl = /^[a-z][a-z0-9+.-]*:/i.test(up.dl);
  const blobRoot = absoluteDl ? base(up.dl) : new URL(base(up.dl), root).href;
  const destDl = absoluteDl ? "blobs/" : base(up.dl).replace(/^\/+/, "");

  let indexFiles = 0;
  let blobs = 0;
  const paths = Object.keys(snap.files).sort();
  const unsafe = paths.find((p) => !servedPath(p));
  if (unsafe !== undefined) {
    throw new MochiError(
      "MIRROR_E002",
      `${root}'s snapshot lists ${JSON.stringify(unsafe.slice(0, 200))}, a path no registry serves`,
      { hint: "the upstream's snapshot is hostile or broken; do not mirror it" },
    );
  }
  const listed = new Set(paths);
  let next = 0;
  const work = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const want = snap.files[path]!;
      const had = mine?.signed.files[path];
      if (
        had !== undefined && had.sha256 === want.sha256 && had.size === want.size &&
        await dest.head(path) !== undefined
      ) continue;
      const got = await getCapped(
        `${root}${urlPath(path)}`,
        Math.min(want.size, LIMITS.indexBytes),
        options,
      );
      if (got.status !== 200 || sha256Hex(got.bytes) !== want.sha256) {
        throw new MochiError(
          "MIRROR_E001",
          `${root}${path} does not match the upstream's signed snapshot version ${snap.version}`,
          {
            hint: "the upstream changed while syncing or serves files it did not sign; sync again",
          },
        );
      }
      const name = nameOfIndexPath(path);
      if (name !== undefined) {
        for (const rec of parseIndexFile(name, dec.decode(got.bytes), `${root}${path}`)) {
          if (!BLOB_NAME.test(rec.blake3)) continue;
          const key = `${destDl}${rec.blake3}`;
          if (await dest.head(key) === undefined) {
            const blob = await getCapped(`${blobRoot}${rec.blake3}`, LIMITS.packageBytes, options);
            if (blob.status !== 200) {
              throw new MochiError(
                "MIRROR_E001",
                `the upstream has no blob for ${name} ${rec.version}`,
                {
                  hint: "the upstream's index names a blob it does not serve; tell its operator",
                },
              );
            }
            const d = await digestBytes(blob.bytes);
            if (d.blake3 !== rec.blake3 || d.sha256 !== rec.sha256) {
              throw new MochiError(
                "MIRROR_E001",
                `the upstream's blob for ${name} ${rec.version} does not match its index line`,
                { hint: "the upstream serves a corrupt or altered blob; tell its operator" },
              );
            }
            await dest.put(key, blob.bytes);
            blobs++;
          }
          if (rec.provenance !== undefined && await dest.head(`${key}.sigstore`) === undefined) {
            const bundle = await getCapped(
              `${blobRoot}${rec.blake3}.sigstore`,
              LIMITS.bundleBytes,
              options,
            );
            if (bundle.status === 200) {
              await dest.put(`${key}.sigstore`, bundle.bytes, { contentType: "application/json" });
              blobs++;
            }
          }
        }
      }
      await dest.put(path, got.bytes);
      indexFiles++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, work));

  // Index files the snapshot no longer lists.
  let removed = 0;
  const skipDl = destDl.replace(/\/$/, "");
  for await (const o of dest.list("")) {
    const parts = o.key.split("/");
    if (o.key === "config.json" || o.key === SNAPSHOT_PATH) continue;
    if (
      o.key.startsWith(`${skipDl}/`) ||
      BLOB_NAME.test(parts[parts.length - 1]!.replace(/\.sigstore$/, ""))
    ) {
      continue;
    }
    if (!listed.has(o.key)) {
      await dest.delete(o.key);
      removed++;
    }
  }

  const cfg = JSON.parse(dec.decode(up.configBytes)) as Record<string, unknown>;
  cfg.dl = destDl;
  cfg.api = null;
  cfg["snapshot-key"] = up.key;
  await dest.put("config.json", new TextEncoder().encode(JSON.stringify(cfg) + "\n"), {
    contentType: "application/json",
  });
  await dest.put(SNAPSHOT_PATH, up.snapshotBytes, { contentType: "application/json" });
  await dest.put(
    STATE_KEY,
    new TextEncoder().encode(
      JSON.stringify({ upstream: root, snapshotEtag: up.snapshotEtag, version: snap.version }),
    ),
  );
  return { snapshotVersion: snap.version, upToDate: false, indexFiles, blobs, removed };
}

/** One way a mirror differs from its primary. */
export interface MirrorDivergence {
  /**
   * `stale-snapshot` (older version than the primary's), `bad-snapshot` (missing, or not signed
   * by the primary's key, or another snapshot at the primary's version), `missing-file`,
   * `extra-file`, `different-file` (index file digest), `missing-version`, `extra-version`,
   * `different-version` (index line), `missing-blob`, `different-blob` (bytes not matching the
   * primary's index line).
   */
  readonly kind:
    | "stale-snapshot"
    | "bad-snapshot"
    | "missing-file"
    | "extra-file"
    | "different-file"
    | "missing-version"
    | "extra-version"
    | "different-version"
    | "missing-blob"
    | "different-blob";
  /** The index path, blob path or `snapshot.json`. */
  readonly path: string;
  /** One line for a person. */
  readonly detail: string;
}

/** What {@link auditMirror} found. */
export interface MirrorAudit {
  /** The primary's snapshot version. */
  readonly primaryVersion: number;
  /** The mirror's snapshot version, or undefined when it has none that verifies. */
  readonly mirrorVersion: number | undefined;
  /** Every divergence, in a stable order (by path, then kind). */
  readonly divergences: MirrorDivergence[];
  /** How many blobs were downloaded and checked. */
  readonly blobsChecked: number;
}

/**
 * Compares the mirror at `mirror` with the primary at `primary`, both read over HTTP: the
 * mirror's `snapshot.json` must verify under the primary's key and be the primary's current one;
 * every index file of the primary's snapshot must be on the mirror with the same digest (when
 * not, each missing, extra or different version is named); every blob the primary's index names
 * must be on the mirror with the BLAKE3 and SHA-256 of its line (every blob is downloaded).
 *
 * @param mirror the mirror's index root URL
 * @param primary the primary's index root URL
 * @param options the primary's key (default: its config.json's), deadline, fetch
 * @returns both versions and every divergence (none: the mirror is a faithful copy)
 * @throws {MochiError} `MIRROR_E002` when the primary has no key or snapshot; `INDEX_E001` when
 *   the primary cannot be read
 */
export async function auditMirror(
  mirror: string,
  primary: string,
  options: MirrorOptions = {},
): Promise<MirrorAudit> {
  const mroot = base(mirror);
  const proot = base(primary);
  const dec = new TextDecoder();
  const p = await readSigned(proot, options);
  const psnap = p.snapshot!.signed;
  const out: MirrorDivergence[] = [];
  const add = (kind: MirrorDivergence["kind"], path: string, detail: string) =>
    out.push({ kind, path, detail });

  let mirrorVersion: number | undefined;
  let mfiles: Record<string, { sha256: string; size: number }> | undefined;
  const ms = await getCapped(`${mroot}${SNAPSHOT_PATH}`, LIMITS.indexBytes, options);
  if (ms.status !== 200) {
    add("bad-snapshot", SNAPSHOT_PATH, "the mirror serves no snapshot.json");
  } else {
    try {
      const signed = parseSnapshot(dec.decode(ms.bytes), `${mroot}${SNAPSHOT_PATH}`);
      await verifySnapshotSignature(signed, p.key, `${mroot}${SNAPSHOT_PATH}`);
      mirrorVersion = signed.signed.version;
      mfiles = signed.signed.files;
      if (signed.signed.version < psnap.version) {
        add(
          "stale-snapshot",
          SNAPSHOT_PATH,
          `the mirror's snapshot is version ${signed.signed.version}, the primary's ${psnap.version}`,
        );
      } else if (sha256Hex(ms.bytes) !== sha256Hex(p.snapshotBytes)) {
        add(
          "bad-snapshot",
          SNAPSHOT_PATH,
          `the mirror's snapshot version ${signed.signed.version} is not the primary's (version ${psnap.version})`,
        );
      }
    } catch (e) {
      add(
        "bad-snapshot",
        SNAPSHOT_PATH,
        `the mirror's snapshot does not verify under the primary's key: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }
  for (const path of Object.keys(mfiles ?? {})) {
    if (psnap.files[path] === undefined) {
      add("extra-file", path, "the mirror's snapshot lists an index file the primary's does not");
    }
  }

  const pcfg = parseRegistryConfig(dec.decode(p.configBytes), `${proot}config.json`);
  const pBlobRoot = /^[a-z][a-z0-9+.-]*:/i.test(pcfg.dl)
    ? base(pcfg.dl)
    : new URL(base(pcfg.dl), proot).href;
  const mcfgGot = await getCapped(`${mroot}config.json`, MAX_CONFIG_BYTES, options);
  let mBlobRoot = pBlobRoot.startsWith(proot) ? mroot + pBlobRoot.slice(proot.length) : mroot;
  if (mcfgGot.status === 200) {
    try {
      const mcfg = parseRegistryConfig(dec.decode(mcfgGot.bytes), `${mroot}config.json`);
      mBlobRoot = /^[a-z][a-z0-9+.-]*:/i.test(mcfg.dl)
        ? base(mcfg.dl)
        : new URL(base(mcfg.dl), mroot).href;
    } catch {
      // keep the primary's layout
    }
  }

  let blobsChecked = 0;
  for (const path of Object.keys(psnap.files).sort()) {
    const want = psnap.files[path]!;
    if (!servedPath(path)) {
      add("bad-snapshot", SNAPSHOT_PATH, "the primary's snapshot lists an unsafe path");
      continue;
    }
    const pget = await getCapped(
      `${proot}${urlPath(path)}`,
      Math.min(want.size, LIMITS.indexBytes),
      options,
    );
    const mget = await getCapped(`${mroot}${urlPath(path)}`, LIMITS.indexBytes, options);
    if (mget.status !== 200) {
      add("missing-file", path, "the mirror does not serve this index file");
    } else if (sha256Hex(mget.bytes) !== want.sha256) {
      add("different-file", path, "the mirror's index file differs from the primary's snapshot");
    }
    const name = nameOfIndexPath(path);
    if (name === undefined || pget.status !== 200) continue;
    const precs = parseIndexFile(name, dec.decode(pget.bytes), `${proot}${path}`);
    if (mget.status === 200 && sha256Hex(mget.bytes) !== want.sha256) {
      let mrecs: ReturnType<typeof parseIndexFile> = [];
      try {
        mrecs = parseIndexFile(name, dec.decode(mget.bytes), `${mroot}${path}`);
      } catch {
        mrecs = [];
      }
      const pv = new Map(precs.map((r) => [r.version, r]));
      const mv = new Map(mrecs.map((r) => [r.version, r]));
      for (const [v, r] of mv) {
        const pr = pv.get(v);
        if (pr === undefined) add("extra-version", path, `${name} ${v} is on the mirror only`);
        else if (pr.blake3 !== r.blake3 || pr.yanked !== r.yanked) {
          add("different-version", path, `${name} ${v} differs from the primary's line`);
        }
      }
      for (const v of pv.keys()) {
        if (!mv.has(v)) add("missing-version", path, `${name} ${v} is missing on the mirror`);
      }
    }
    for (const rec of precs) {
      if (!BLOB_NAME.test(rec.blake3)) continue;
      const blobPath = `${mBlobRoot}${rec.blake3}`;
      const b = await getCapped(blobPath, LIMITS.packageBytes, options);
      blobsChecked++;
      if (b.status !== 200) {
        add("missing-blob", blobPath, `the mirror has no blob for ${name} ${rec.version}`);
        continue;
      }
      const d = await digestBytes(b.bytes);
      if (d.blake3 !== rec.blake3 || d.sha256 !== rec.sha256) {
        add(
          "different-blob",
          blobPath,
          `the mirror's blob for ${name} ${rec.version} does not match the primary's index line`,
        );
      }
    }
  }
  out.sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0
  );
  return { primaryVersion: psnap.version, mirrorVersion, divergences: out, blobsChecked };
}
