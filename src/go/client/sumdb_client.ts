/**
 * The Go checksum database client (issue 14 item 4, client side): `/lookup/<module>@<version>`,
 * `/latest` and `/tile/…` as golang.org/x/mod/sumdb's Client reads them.
 *
 * Every answer is checked before it is believed: the tree head in a lookup must be a note signed
 * by the configured verifier key ({@link openNote}); the record must be proven in that tree by an
 * inclusion proof built from tiles ({@link tileHashReader}, {@link proveRecord},
 * {@link checkRecord}); and the tree must be consistent with the newest tree head this machine has
 * verified before ({@link proveTree}, {@link checkTree}), which is kept under
 * `$MOCHI_HOME/state/go-sumdb/<name>/latest` and only ever moves forward, so a log that forks or
 * rolls back is caught. Module paths matched by GONOSUMDB (else GOPRIVATE) patterns skip the
 * database on purpose; the caller says so.
 *
 * @module
 */
import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import { escapePath, escapeVersion, matchPrefixPatterns } from "../module.ts";
import { newVerifier, openNote, type Verifier } from "../note.ts";
import {
  checkRecord,
  checkTree,
  formatHash,
  hashFromTile,
  type HashReader,
  parseRecord,
  parseTree,
  proveRecord,
  proveTree,
  recordHash,
  type Tile,
  tileForIndex,
  tileHashReader,
  tilePath,
  type Tree,
} from "../tlog.ts";
import {
  openSparseFiles,
  type RegistryClientOptions,
  type RegistryClientStats,
} from "../../registry/client/index_client.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";

/**
 * The public Go checksum database's verifier key (cmd/go's default GOSUMDB, as
 * cmd/go/internal/modfetch/key.go spells it; its key hash checks out, which `newVerifier`
 * verifies). A key only: its database is reached through the module proxy's `sumdb/<name>/`
 * pass-through, never directly.
 */
export const DEFAULT_GO_SUMDB_KEY =
  "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/** The tile height of Go checksum databases. */
export const GO_SUMDB_TILE_HEIGHT = 8;

/** The largest lookup, tree head or tile answer read (decoded bytes). */
export const MAX_SUMDB_ANSWER_BYTES = 1 << 20;

/** A checksum database to use: its name, verifier key and base URL. */
export interface GoSumdbConfig {
  /** The database name (the key's name). */
  name: string;
  /** The verifier key `<name>+<hash>+<base64 key>`. */
  vkey: string;
  /** Base URL, with a trailing slash (`<proxy>/sumdb/<name>/` unless GOSUMDB names one). */
  url: string;
}

/**
 * Reads a GOSUMDB-style setting as cmd/go does: empty → the default key; `off` → none;
 * `<name>+<hash>+<key> [url]` → that key; a bare name only when it is the default key's name.
 * Without a URL the database is read through the first module proxy's `sumdb/<name>/`
 * pass-through (`go help goproxy`).
 *
 * @param value the setting (MOCHI_GOSUMDB, else GOSUMDB), or undefined
 * @param firstProxy the first module proxy's base URL
 * @returns the database, or `"off"`
 * @throws {MochiError} `GO_E015` malformed setting; `GO_E005` malformed key
 * @example
 * ```ts
 * import { parseGoSumdb } from "@mochi/pkg/go/client";
 * const db = parseGoSumdb(undefined, "http://127.0.0.1:9/");
 * if (db === "off" || db.url !== "http://127.0.0.1:9/sumdb/sum.golang.org/") throw new Error();
 * ```
 */
export function parseGoSumdb(
  value: string | undefined,
  firstProxy: string,
): GoSumdbConfig | "off" {
  const text = (value ?? "").trim();
  if (text === "off") return "off";
  const hint = "set MOCHI_GOSUMDB (or GOSUMDB) to <name>+<hash>+<key> [url], or off";
  const words = text === "" ? [DEFAULT_GO_SUMDB_KEY] : text.split(/\s+/);
  if (words.length > 2) {
    throw new MochiError("GO_E015", `GOSUMDB ${JSON.stringify(text)} has too many fields`, {
      hint,
    });
  }
  let vkey = words[0]!;
  const defaultName = DEFAULT_GO_SUMDB_KEY.split("+")[0]!;
  if (!vkey.includes("+")) {
    if (vkey !== defaultName) {
      throw new MochiError(
        "GO_E015",
        `GOSUMDB ${JSON.stringify(vkey)} names a checksum database without its key`,
        { hint },
      );
    }
    vkey = DEFAULT_GO_SUMDB_KEY;
  }
  const verifier = newVerifier(vkey);
  let url = words[1] ?? new URL(`sumdb/${verifier.name}/`, firstProxy).href;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `https://${url}`;
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new MochiError("GO_E015", `GOSUMDB URL ${JSON.stringify(url)} is not http(s)`, { hint });
  }
  return {
    name: verifier.name,
    vkey,
    url: parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`,
  };
}

/**
 * Whether a module skips the checksum database: GONOSUMDB patterns, else GOPRIVATE's
 * (cmd/go: GONOSUMDB defaults to GOPRIVATE), matched with {@link matchPrefixPatterns}.
 *
 * @param module module path
 * @param env GONOSUMDB and GOPRIVATE values
 * @returns the variable that matched, or undefined
 *
 * @example
 * ```ts
 * import { sumdbSkippedBy } from "@mochi/pkg/go/client";
 * import assert from "node:assert/strict";
 * const env = { GOPRIVATE: "*.corp.example,example.com/private" };
 * assert.equal(sumdbSkippedBy("git.corp.example/team/lib", env), "GOPRIVATE");
 * assert.equal(sumdbSkippedBy("example.com/private/sub", env), "GOPRIVATE");
 * assert.equal(sumdbSkippedBy("example.com/public", env), undefined);
 * // GONOSUMDB, when set, replaces GOPRIVATE.
 * assert.equal(sumdbSkippedBy("git.corp.example/x", { ...env, GONOSUMDB: "example.org" }), undefined);
 * ```
 */
export function sumdbSkippedBy(
  module: string,
  env: { GONOSUMDB?: string | undefined; GOPRIVATE?: string | undefined },
): "GONOSUMDB" | "GOPRIVATE" | undefined {
  if (env.GONOSUMDB !== undefined && env.GONOSUMDB !== "") {
    return matchPrefixPatterns(env.GONOSUMDB, module) ? "GONOSUMDB" : undefined;
  }
  if (env.GOPRIVATE !== undefined && env.GOPRIVATE !== "") {
    return matchPrefixPatterns(env.GOPRIVATE, module) ? "GOPRIVATE" : undefined;
  }
  return undefined;
}

/** What a proven lookup gives. */
export interface GoSumdbLookup {
  /** `h1:` of the module zip, as the log records it. */
  zipH1: string;
  /** `h1:` of the go.mod, as the log records it. */
  gomodH1: string;
  /** The record's number in the log. */
  recordId: number;
  /** The verified tree head the record was proven in. */
  tree: Tree;
}

/** A checksum database opened by {@link openGoSumdb}. */
export interface GoSumdbClient {
  /** The configuration. */
  readonly config: GoSumdbConfig;
  /** Request counters. */
  readonly stats: RegistryClientStats;
  /**
   * Looks a module version up and proves it: signed tree head, inclusion, consistency with the
   * newest tree head seen before (which it then advances).
   *
   * @throws {MochiError} `GO_E013` the database does not know the module version; `GO_E006` the
   *   tree head is not signed by the trusted key; `GO_E016` the record is not proven in the tree;
   *   `GO_E017` the tree is not consistent with the one seen before; `GO_E018` a malformed answer;
   *   `GO_E014` unreachable
   */
  lookup(module: string, version: string): Promise<GoSumdbLookup>;
  /** The newest verified tree head kept on this machine, if any. */
  knownTree(): Promise<Tree | undefined>;
  /** Waits for cache writes still in flight. */
  flush(): Promise<void>;
}

/** Options of {@link openGoSumdb}. */
export interface GoSumdbOptions extends RegistryClientOptions {
  /** Where the newest verified tree head is kept (`$MOCHI_HOME/state`). */
  stateDir: string;
}

/**
 * Opens a checksum database.
 *
 * @param config from {@link parseGoSumdb}
 * @param options the HTTP client's options and the state directory
 * @returns the client
 *
 * @example
 * ```ts
 * import { openGoSumdb, parseGoSumdb } from "@mochi/pkg/go/client";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const config = parseGoSumdb(undefined, "http://127.0.0.1:9/");
 * assert(config !== "off");
 * const db = openGoSumdb(config, { cacheDir: dir, stateDir: dir, offline: true });
 * assert.equal(db.config.url, "http://127.0.0.1:9/sumdb/" + config.name + "/");
 * assert.equal(await db.knownTree(), undefined); // nothing verified on this machine yet
 * // A key that is not a verifier key is refused before any request.
 * assert.throws(
 *   () => openGoSumdb({ ...config, vkey: "not-a-key" }, { cacheDir: dir, stateDir: dir }),
 *   { code: "GO_E005" },
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openGoSumdb(config: GoSumdbConfig, options: GoSumdbOptions): GoSumdbClient {
  const verifier: Verifier = newVerifier(config.vkey);
  const files = openSparseFiles(config.url, {
    ...options,
    maxIndexBytes: MAX_SUMDB_ANSWER_BYTES,
    accept: "*/*",
    deferCacheWrites: true,
  });
  const stateFile = join(options.stateDir, "go-sumdb", encodeURIComponent(config.name), "latest");
  const where = `checksum database ${config.name} (${config.url})`;
  const tiles = new Map<string, Promise<Uint8Array>>();
  const readTile = (t: Tile): Promise<Uint8Array> => {
    const path = tilePath(t);
    let p = tiles.get(path);
    if (p === undefined) {
      p = read(path, (b) => b).then((b) => {
        if (b === null) throw malformed(`${where}: tile ${path} is missing`);
        return b;
      });
      p.catch(() => tiles.delete(path));
      tiles.set(path, p);
    }
    return p;
  };
  const read = async <T>(path: string, parse: (b: Uint8Array) => T): Promise<T | null> => {
    try {
      return await files.read(path, parse);
    } catch (e) {
      if (
        e instanceof MochiError &&
        ["INDEX_E004", "INDEX_E005", "INDEX_E008"].includes(e.code)
      ) {
        throw new MochiError("GO_E014", `${where}: ${e.message}`, {
          hint: `${e.hint ?? "retry later"}; set MOCHI_GOSUMDB (or GOSUMDB), or GONOSUMDB for ` +
            "private modules",
          cause: e,
        });
      }
      if (e instanceof MochiError && e.code === "INDEX_E010") {
        throw malformed(`${where}: ${e.message}`);
      }
      throw e;
    }
  };
  // Tiles that tileHashReader has checked against a tree, kept per tree: later lookups in the
  // same tree read their hashes from them instead of re-checking every tile each time (the
  // check hashes whole tiles; a lock of many modules would pay it once per module).
  const verifiedByTree = new Map<string, Map<string, { tile: Tile; data: Uint8Array }>>();
  const readerFor = (tree: Tree): HashReader => {
    const treeKey = `${tree.n} ${formatHash(tree.hash)}`;
    let verified = verifiedByTree.get(treeKey);
    if (verified === undefined) {
      verified = new Map();
      verifiedByTree.set(treeKey, verified);
    }
    const saved = verified;
    const checking = tileHashReader(tree, {
      height: GO_SUMDB_TILE_HEIGHT,
      readTiles: (ts) => Promise.all(ts.map(readTile)),
      saveTiles(ts, data) {
        ts.forEach((t, i) => {
          const k = `${t.l}/${t.n}`;
          const prev = saved.get(k);
          if (prev === undefined || prev.tile.w < t.w) saved.set(k, { tile: t, data: data[i]! });
        });
      },
    });
    return {
      readHashes(indexes) {
        const out: Uint8Array[] = [];
        for (const x of indexes) {
          const want = tileForIndex(GO_SUMDB_TILE_HEIGHT, x);
          const have = saved.get(`${want.l}/${want.n}`);
          if (have === undefined || have.tile.w < want.w) return checking.readHashes(indexes);
          out.push(hashFromTile(have.tile, have.data, x));
        }
        return out;
      },
    };
  };

  let known: Promise<Tree | undefined> | undefined;
  const knownTree = (): Promise<Tree | undefined> => {
    known ??= (async () => {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(stateFile);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
      // Our own file, but re-checked: it must still be a note signed by the trusted key.
      return parseTree(openNote(bytes, [verifier]).text);
    })();
    return known;
  };
  let chain: Promise<unknown> = Promise.resolve();
  /** Proves `tree` consistent with the newest tree seen, then keeps the newer of the two. */
  const advance = (tree: Tree, note: Uint8Array): Promise<void> => {
    const step = chain.then(async () => {
      const old = await knownTree();
      if (old !== undefined) {
        const [small, large] = old.n <= tree.n ? [old, tree] : [tree, old];
        try {
          if (small.n === large.n) {
            if (formatHash(small.hash) !== formatHash(large.hash)) throw new Error("fork");
          } else if (small.n > 0) {
            const proof = await proveTree(large.n, small.n, readerFor(large));
            checkTree(proof, large.n, large.hash, small.n, small.hash);
          }
        } catch (e) {
          if (e instanceof MochiError && e.code === "GO_E014") throw e;
          throw new MochiError(
            "GO_E017",
            `${where}: the signed tree of ${tree.n} records (root ${formatHash(tree.hash)}) is ` +
              `not consistent with the tree of ${old.n} records (root ${formatHash(old.hash)}) ` +
              "seen before: the log forked or was rolled back",
            {
              hint: "do not trust this checksum database or the proxy in front of it; report " +
                `it. The tree seen before is kept in ${stateFile}`,
              cause: e,
            },
          );
        }
        if (tree.n <= old.n) return;
      }
      await Deno.mkdir(join(stateFile, ".."), { recursive: true });
      await writeFileAtomic(stateFile, note);
      known = Promise.resolve(tree);
    });
    chain = step.catch(() => {});
    return step;
  };

  // The database's newest signed tree head, read once per client before the first lookup (as
  // golang.org/x/mod/sumdb's Client merges `/latest`): each lookup's tree, usually older, is then
  // proven inside it with its tiles.
  let latest: Promise<void> | undefined;
  const readLatest = (): Promise<void> => {
    latest ??= (async () => {
      const note = await read("latest", (b) => b);
      if (note === null) throw malformed(`${where}: there is no signed tree head at latest`);
      let tree: Tree;
      try {
        tree = parseTree(openNote(note, [verifier]).text);
      } catch (e) {
        throw signedOrMalformed(e, where, config.vkey, "the latest tree head");
      }
      await advance(tree, note);
    })();
    latest.catch(() => {
      latest = undefined;
    });
    return latest;
  };

  return {
    config,
    stats: files.stats,
    knownTree,
    flush: () => files.flush(),
    async lookup(module, version) {
      await readLatest();
      const path = `lookup/${escapePath(module)}@${escapeVersion(version)}`;
      const body = await read(path, (b) => b);
      if (body === null) {
        throw new MochiError(
          "GO_E013",
          `${where} has no record of ${module}@${version}`,
          {
            hint: "a version the checksum database does not know cannot be verified; check the " +
              "version, or list private modules in GONOSUMDB",
          },
        );
      }
      let id: number;
      let text: Uint8Array;
      let rest: Uint8Array;
      try {
        ({ id, text, rest } = parseRecord(body));
      } catch (e) {
        throw malformed(`${where}: the lookup answer for ${module}@${version} is malformed`, e);
      }
      let tree: Tree;
      try {
        tree = parseTree(openNote(rest, [verifier]).text);
      } catch (e) {
        throw signedOrMalformed(e, where, config.vkey, `the tree head for ${module}@${version}`);
      }
      const lines = new TextDecoder().decode(text).split("\n");
      const zip = lines[0]?.split(" ");
      const mod = lines[1]?.split(" ");
      if (
        zip?.length !== 3 || mod?.length !== 3 || zip[0] !== module || zip[1] !== version ||
        mod[0] !== module || mod[1] !== `${version}/go.mod` || !zip[2]!.startsWith("h1:") ||
        !mod[2]!.startsWith("h1:")
      ) {
        throw malformed(
          `${where}: record ${id} is not the go.sum lines of ${module}@${version}`,
        );
      }
      if (id >= tree.n) {
        throw notProven(where, module, version, id, tree, `record ${id} is past the tree's end`);
      }
      try {
        const proof = await proveRecord(tree.n, id, readerFor(tree));
        checkRecord(proof, tree.n, tree.hash, id, recordHash(text));
      } catch (e) {
        if (e instanceof MochiError && (e.code === "GO_E014")) throw e;
        throw notProven(
          where,
          module,
          version,
          id,
          tree,
          e instanceof Error ? e.message : String(e),
          e,
        );
      }
      await advance(tree, rest);
      return { zipH1: zip[2]!, gomodH1: mod[2]!, recordId: id, tree };
    },
  };
}

/** A note that does not open: GO_E006 when no trusted key signed it, else malformed. */
function signedOrMalformed(e: unknown, where: string, vkey: string, what: string): MochiError {
  if (e instanceof MochiError && e.code === "GO_E006") {
    return new MochiError(
      "GO_E006",
      `${where}: ${what} is not signed by the trusted key ${
        vkey.split("+").slice(0, 2).join("+")
      }: ${e.message}`,
      {
        hint: "the answer did not come from the configured checksum database; check " +
          "MOCHI_GOSUMDB (or GOSUMDB) and the proxy, and report it",
        cause: e,
      },
    );
  }
  return malformed(`${where}: ${what} is malformed`, e);
}

function notProven(
  where: string,
  module: string,
  version: string,
  id: number,
  tree: Tree,
  why: string,
  cause?: unknown,
): MochiError {
  return new MochiError(
    "GO_E016",
    `${where}: the record of ${module}@${version} (${id}) is missing from the signed tree of ` +
      `${tree.n} records: ${why}`,
    {
      hint: "the database's answer is not backed by its log; do not use this module version, " +
        "and report it",
      ...(cause !== undefined ? { cause } : {}),
    },
  );
}

function malformed(message: string, cause?: unknown): MochiError {
  return new MochiError("GO_E018", message, {
    hint: "the checksum database (or the proxy in front of it) sent something that is not the " +
      "sumdb protocol; report it",
    ...(cause !== undefined ? { cause } : {}),
  });
}
