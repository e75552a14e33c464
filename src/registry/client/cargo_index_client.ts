/**
 * Cargo sparse-index client: `config.json`, index files by cargo's path rule, `.crate`
 * downloads through the `dl` template.
 *
 * Follows cargo's sparse protocol (The Cargo Book §Registry Index, "Sparse protocol"):
 * every request carries `cargo-protocol: version=1`; index files are cached under
 * `$MOCHI_HOME/index` and revalidated with `If-None-Match` / `If-Modified-Since`; 404, 410 and
 * 451 mean "no such crate"; 5xx and 429 are retried with backoff or `Retry-After` (the shared
 * policy of {@link openSparseFiles}).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
// The index file's module, not the room's mod.ts: opening an index must not load the resolver.
import {
  type CargoRegistryConfig,
  crateDownloadUrl,
  CrateIndexFile,
  crateIndexPath,
  parseCargoConfig,
} from "../../rust/index_file.ts";
import type { CrateSource } from "../../rust/provider.ts";
import {
  downloadUrlProblem,
  openSparseFiles,
  type RegistryClientOptions,
  type RegistryClientStats,
} from "./index_client.ts";
import { decodeUtf8Strict } from "../../manifest/utf8.ts";

const CRATE_UTF8_HINT = "the crates index serves a file that is not UTF-8; report it to its " +
  "operator";

/** The default crates.io index (cargo's own default since 1.70). */
export const CRATES_IO_SPARSE = "sparse+https://index.crates.io/";

/** A cargo index opened by {@link openCargoIndex}; also a {@link CrateSource} for the solver. */
export interface CargoIndexClient extends CrateSource {
  /** The index URL as written in locks (`sparse+http://…/`, or `file:///…/` for directories). */
  readonly url: string;
  /** Live request counters. */
  readonly stats: RegistryClientStats;
  /**
   * The registry's config.json, fetched once.
   *
   * @throws {MochiError} `RUST_E007` missing or invalid; network codes as for index files
   */
  config(): Promise<CargoRegistryConfig>;
  /**
   * Streams one `.crate` file (unverified; the caller checks its SHA-256).
   *
   * @param crate crate name
   * @param version version text
   * @param cksum the expected SHA-256 (some `dl` templates contain it)
   * @throws {MochiError} `RUST_E006` when the download fails; `BLOB_E007` offline
   */
  download(crate: string, version: string, cksum: string): Promise<ReadableStream<Uint8Array>>;
  /** Waits for index cache writes still in flight (call before the process exits). */
  flush(): Promise<void>;
}

/**
 * Where the crates-io index is: `[registry] crates-io`, else `MOCHI_CRATES_IO_INDEX`, else
 * {@link CRATES_IO_SPARSE}.
 *
 * @param fromManifest the manifest's `[registry] crates-io`
 * @param fromEnv the environment variable's value
 * @returns the URL with the `sparse+` prefix kept when given
 */
export function cratesIoIndexUrl(
  fromManifest: string | undefined,
  fromEnv: string | undefined,
): string {
  const raw = fromManifest ?? (fromEnv && fromEnv.length > 0 ? fromEnv : CRATES_IO_SPARSE);
  return raw.endsWith("/") ? raw : `${raw}/`;
}

/**
 * Opens a cargo index: `sparse+http(s)://…`, `http(s)://…`, `file://…` or a directory.
 *
 * @param url the index URL
 * @param options cache directory, offline, injected fetch, retry knobs (as {@link openSparseFiles})
 * @returns the client
 * @throws {MochiError} `RUST_E007` when the URL is a git index (`registry+…`) or unsupported
 */
export function openCargoIndex(url: string, options: RegistryClientOptions): CargoIndexClient {
  if (url.startsWith("registry+") || url.startsWith("git+")) {
    throw new MochiError(
      "RUST_E007",
      `${url} is a git index; mochi pkg reads sparse indexes only`,
      {
        hint: 'use the sparse protocol: crates-io = "sparse+https://index.crates.io/"',
      },
    );
  }
  const bare = url.startsWith("sparse+") ? url.slice("sparse+".length) : url;
  const files = openSparseFiles(bare, {
    ...options,
    headers: { "cargo-protocol": "version=1", ...(options.headers ?? {}) },
    deferCacheWrites: true,
    accept: "text/plain, application/json",
  });
  const label = /^(sparse\+|https?:|file:)/.test(url) ? url : files.url;
  let configPromise: Promise<CargoRegistryConfig> | undefined;
  const memo = new Map<string, Promise<CrateIndexFile | null>>();
  const config = (): Promise<CargoRegistryConfig> => {
    configPromise ??= files.read(
      "config.json",
      (b) =>
        parseCargoConfig(
          decodeUtf8Strict(b, `${files.url}config.json`, "RUST_E007", CRATE_UTF8_HINT),
          `${files.url}config.json`,
        ),
    ).then((c) => {
      if (c === null) {
        throw new MochiError("RUST_E007", `${files.url} has no config.json`, {
          hint: "check the crates-io index URL ([registry] crates-io or MOCHI_CRATES_IO_INDEX)",
        });
      }
      return c;
    }).catch((e) => {
      configPromise = undefined;
      throw e;
    });
    return configPromise;
  };
  return {
    url: label.endsWith("/") ? label : `${label}/`,
    stats: files.stats,
    flush: () => files.flush(),
    config,
    versions(name: string): Promise<CrateIndexFile | null> {
      let p = memo.get(name);
      if (p === undefined) {
        try {
          const path = crateIndexPath(name);
          p = files.read(
            path,
            (b) =>
              CrateIndexFile.parse(
                name,
                decodeUtf8Strict(b, files.url + path, "RUST_E001", CRATE_UTF8_HINT),
                files.url + path,
              ),
          );
        } catch (e) {
          p = Promise.reject(e);
        }
        p = p.catch((e) => {
          memo.delete(name);
          throw withIndexHint(e, url);
        });
        memo.set(name, p);
      }
      return p;
    },
    async download(crate, version, cksum) {
      const cfg = await config();
      const target = new URL(crateDownloadUrl(cfg.dl, crate, version, cksum), files.url).href;
      const problem = downloadUrlProblem(new URL(files.url), new URL(target));
      if (problem !== undefined) {
        throw new MochiError(
          "RUST_E007",
          `${files.url}config.json: "dl" ${JSON.stringify(cfg.dl)} ${problem}`,
          { hint: "check the crates-io index URL; no crate was downloaded from it" },
        );
      }
      try {
        return await files.download(target);
      } catch (e) {
        if (e instanceof MochiError && e.code === "BLOB_E002") {
          throw new MochiError(
            "RUST_E006",
            `could not download ${crate} ${version}: ${e.message}`,
            {
              hint: "check the network and the crates-io index's dl URL, then retry",
              cause: e,
            },
          );
        }
        throw e;
      }
    },
  };
}

/** Network and status errors of the crates index also say where its URL is configured. */
function withIndexHint(e: unknown, url: string): unknown {
  if (
    !(e instanceof MochiError) ||
    !["INDEX_E004", "INDEX_E005", "INDEX_E006", "INDEX_E008"].includes(e.code)
  ) {
    return e;
  }
  return new MochiError(e.code, e.message, {
    hint: `${e.hint ?? "retry later"}; the Rust crates index is ${url} ` +
      '(set it with [registry] crates-io = "sparse+https://…" in mochi.toml or ' +
      "MOCHI_CRATES_IO_INDEX)",
    cause: e,
  });
}
