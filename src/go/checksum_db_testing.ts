/**
 * An in-memory checksum database for tests (test-only: no entry point exports it): a tlog of
 * records `<module> <version> h1:…\n<module> <version>/go.mod h1:…\n`, tree heads signed with a
 * note signer, and the three endpoints answered as pure functions (`/lookup/<escaped>@<escaped>`,
 * `/latest`, `/tile/<h>/<l>/<n>[.p/<w>]`), so a loopback server only has to call
 * {@link TestChecksumDatabase.serve}. Modelled on golang.org/x/mod/sumdb TestServer and Server.
 *
 * @module
 */
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from "./module.ts";
import { generateKey, newSigner, type Signer, signNote } from "./note.ts";
import {
  formatRecord,
  formatTree,
  type HashReader,
  parseTilePath,
  proveRecord,
  proveTree,
  readTileData,
  storedHashes,
  type Tree,
  treeHash,
} from "./tlog.ts";

/** One answer of {@link TestChecksumDatabase.serve}. */
export interface ChecksumDatabaseAnswer {
  /** HTTP status. */
  status: number;
  /** Content type. */
  contentType: string;
  /** Body bytes. */
  body: Uint8Array;
}

const te = new TextEncoder();

/** The record text the checksum database keeps for one module version. */
export function moduleRecordText(
  path: string,
  version: string,
  zipH1: string,
  modH1: string,
): string {
  return `${path} ${version} ${zipH1}\n${path} ${version}/go.mod ${modH1}\n`;
}

/** An in-memory checksum database (see the module doc). */
export class TestChecksumDatabase {
  /** The database name (the signer's name). */
  readonly name: string;
  /** The verifier key clients should trust. */
  readonly vkey: string;
  /** The tile height (the Go checksum database uses 8). */
  readonly height: number;
  /** Record texts, by record number. */
  readonly records: Uint8Array[] = [];
  /** Stored hashes of the log. */
  readonly hashes: Uint8Array[] = [];
  readonly #index = new Map<string, number>();
  readonly #signer: Signer;
  /** Reads {@link TestChecksumDatabase.hashes}. */
  readonly reader: HashReader = { readHashes: (ix) => ix.map((i) => this.hashes[i]!) };

  /**
   * @param name the database name
   * @param options a fixed 32-byte key seed (deterministic keys), a tile height (default 8), or a
   *   signer key to share with another instance (a fork signed by the same key)
   */
  constructor(
    name = "sum.test.example",
    options: { seed?: Uint8Array; height?: number; skey?: string } = {},
  ) {
    this.name = name;
    this.height = options.height ?? 8;
    const skey = options.skey ?? generateKey(name, options.seed).skey;
    this.#signer = newSigner(skey);
    this.skey = skey;
    this.vkey = vkeyOf(skey);
  }

  /** The signer key (to build a fork signed by the same key). */
  readonly skey: string;

  /** Appends one record; returns its number. */
  async addRecord(text: string | Uint8Array): Promise<number> {
    const data = typeof text === "string" ? te.encode(text) : text;
    const id = this.records.length;
    this.hashes.push(...await storedHashes(id, data, this.reader));
    this.records.push(data);
    return id;
  }

  /** Appends the record of a module version; returns its number. */
  async addModule(path: string, version: string, zipH1: string, modH1: string): Promise<number> {
    const id = await this.addRecord(moduleRecordText(path, version, zipH1, modH1));
    this.#index.set(`${path}@${version}`, id);
    return id;
  }

  /** The current tree head. */
  async tree(): Promise<Tree> {
    return { n: this.records.length, hash: await treeHash(this.records.length, this.reader) };
  }

  /** The signed tree head (what `/latest` answers). */
  async signedTree(): Promise<Uint8Array> {
    return signNote({ text: formatTree(await this.tree()) }, this.#signer);
  }

  /** Inclusion proof of record `id` in the current tree. */
  proveRecord(id: number): Promise<Uint8Array[]> {
    return proveRecord(this.records.length, id, this.reader);
  }

  /** Consistency proof of the tree of size `oldSize` in the current tree. */
  proveTree(oldSize: number): Promise<Uint8Array[]> {
    return proveTree(this.records.length, oldSize, this.reader);
  }

  /** Answers one request path (`/latest`, `/lookup/…`, `/tile/…`); 404 for anything else. */
  async serve(path: string): Promise<ChecksumDatabaseAnswer> {
    const text = (status: number, body: string | Uint8Array): ChecksumDatabaseAnswer => ({
      status,
      contentType: "text/plain; charset=UTF-8",
      body: typeof body === "string" ? te.encode(body) : body,
    });
    if (path === "/latest") return text(200, await this.signedTree());
    if (path.startsWith("/lookup/")) {
      const mod = path.slice("/lookup/".length);
      const at = mod.indexOf("@");
      let key: string;
      try {
        key = `${unescapePath(mod.slice(0, at))}@${unescapeVersion(mod.slice(at + 1))}`;
      } catch {
        return text(400, "invalid module@version syntax\n");
      }
      const id = this.#index.get(key);
      if (at < 0 || id === undefined) return text(404, "not found\n");
      const msg = formatRecord(id, this.records[id]!);
      const signed = await this.signedTree();
      const body = new Uint8Array(msg.length + signed.length);
      body.set(msg);
      body.set(signed, msg.length);
      return text(200, body);
    }
    if (path.startsWith("/tile/")) {
      let t;
      try {
        t = parseTilePath(path.slice(1));
      } catch {
        return text(400, "invalid tile syntax\n");
      }
      const n = this.records.length;
      if (t.l === -1) {
        const start = t.n * 2 ** t.h;
        if (start + t.w > n) return text(404, "not found\n");
        const parts = this.records.slice(start, start + t.w).map((r) => [...r, 0x0a]);
        return text(200, Uint8Array.from(parts.flat()));
      }
      // The tile must lie inside the current tree.
      const levelSize = Math.floor(n / 2 ** (t.h * t.l));
      if (t.n * 2 ** t.h + t.w > levelSize) return text(404, "not found\n");
      return {
        status: 200,
        contentType: "application/octet-stream",
        body: await readTileData(t, this.reader),
      };
    }
    return text(404, "not found\n");
  }

  /** The lookup path of a module version (`/lookup/<escaped path>@<escaped version>`). */
  static lookupPath(path: string, version: string): string {
    return `/lookup/${escapePath(path)}@${escapeVersion(version)}`;
  }
}

/** The verifier key of a signer key `PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>`. */
function vkeyOf(skey: string): string {
  const parts = skey.split("+");
  const name = parts[2]!;
  const raw = Uint8Array.from(atob(parts.slice(4).join("+")), (c) => c.charCodeAt(0));
  return generateKey(name, raw.subarray(1)).vkey;
}
