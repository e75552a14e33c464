/**
 * The checksum database's transparency log (`golang.org/x/mod/sumdb/tlog`): an RFC 6962 Merkle
 * tree of records, record and node hashes, the stored-hash numbering, inclusion proofs
 * ({@link proveRecord}/{@link checkRecord}), consistency proofs ({@link proveTree}/
 * {@link checkTree}), tiles and their paths, the tree-head text and the record format.
 *
 * Hashes are 32-byte `Uint8Array`s. Sizes and indexes are numbers (exact up to 2^53). Functions
 * that read stored hashes take a {@link HashReader} and return a promise, so the hashes can come
 * from tiles fetched over the network ({@link tileHashReader}) or from memory.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MochiError, quoteValue } from "../errors.ts";
import { decodeBase64, encodeBase64 } from "./_base64.ts";

/** RFC 6962 domain separators: 0x00 before a record, 0x01 before two child hashes. */
const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

/** Size of a hash in bytes. */
export const HASH_SIZE = 32;

/** A tree head: the number of records and the root hash (`golang.org/x/mod/sumdb/tlog` Tree). */
export interface Tree {
  /** Number of records in the tree. */
  n: number;
  /** The tree's root hash (32 bytes). */
  hash: Uint8Array;
}

/**
 * A tile of the log (`golang.org/x/mod/sumdb/tlog` Tile): height `h` (1–30), level `l` (-1 for a
 * data tile), number `n` within the level, width `w` (1 to 2^h; 2^h is a full tile).
 */
export interface Tile {
  /** Height: the tile holds up to 2^h hashes. */
  h: number;
  /** Level in the tiling; -1 for a data tile (record texts). */
  l: number;
  /** Number of the tile within its level. */
  n: number;
  /** Width: number of hashes held (2^h when complete). */
  w: number;
}

/**
 * Reads stored hashes by index (`golang.org/x/mod/sumdb/tlog` HashReader); may answer
 * synchronously or with a promise.
 */
export interface HashReader {
  /** The hashes at the given stored-hash indexes, in the same order. */
  readHashes(indexes: number[]): Uint8Array[] | Promise<Uint8Array[]>;
}

/** Reads tiles (`golang.org/x/mod/sumdb/tlog` TileReader), e.g. from `/tile/…` over HTTP. */
export interface TileReader {
  /** The tile height the log uses (the Go checksum database uses 8). */
  readonly height: number;
  /** The data of each tile (`w × 32` bytes), in order. */
  readTiles(tiles: Tile[]): Uint8Array[] | Promise<Uint8Array[]>;
  /** Called with tiles whose hashes were verified against the tree, to cache them. */
  saveTiles?(tiles: Tile[], data: Uint8Array[]): void | Promise<void>;
}

function proofFailed(what: string): MochiError {
  return new MochiError("GO_E007", `invalid transparency proof: ${what}`, {
    hint: "the checksum database's log does not contain what it claims, or forked: do not trust " +
      "the answer, and report it",
  });
}

function malformed(what: string): MochiError {
  return new MochiError("GO_E008", what, {
    hint: "the checksum database sent something that is not a valid log object",
  });
}

function pow2(k: number): number {
  return 2 ** k;
}

function shr(n: number, k: number): number {
  return Math.floor(n / pow2(k));
}

function trailingZeros(x: number): number {
  if (x === 0) return 64;
  let z = 0;
  while (x % 2 === 0) {
    x /= 2;
    z++;
  }
  return z;
}

function maxpow2(n: number): [number, number] {
  let l = 0;
  while (pow2(l + 1) < n) l++;
  return [pow2(l), l];
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkSize(name: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) {
    throw malformed(`tlog: invalid ${name} ${n}`);
  }
}

/**
 * The hash of a record's data: SHA-256(0x00 ‖ data) (RFC 6962 leaf hash).
 *
 * Follows golang.org/x/mod/sumdb/tlog RecordHash.
 *
 * @param data the record's bytes
 * @returns the 32-byte hash
 *
 * @example
 * ```ts
 * import { recordHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(recordHash(new Uint8Array()).length, 32);
 * ```
 */
export function recordHash(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(LEAF_PREFIX).update(data).digest());
}

/**
 * The hash of an interior node: SHA-256(0x01 ‖ left ‖ right) (RFC 6962 node hash).
 *
 * Follows golang.org/x/mod/sumdb/tlog NodeHash.
 *
 * @param left the left child's hash
 * @param right the right child's hash
 * @returns the 32-byte hash
 *
 * @example
 * ```ts
 * import { nodeHash, recordHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const a = recordHash(new Uint8Array([1]));
 * assert.notDeepEqual(nodeHash(a, a), a);
 * ```
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest(),
  );
}

/**
 * The index in the sequence of stored hashes of the hash at `level` number `n` (level 0 are the
 * record hashes).
 *
 * Follows golang.org/x/mod/sumdb/tlog StoredHashIndex.
 *
 * @param level the tree level
 * @param n the node's number within the level
 * @returns the stored-hash index
 *
 * @example
 * ```ts
 * import { storedHashIndex } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([0, 1, 2, 3].map((n) => storedHashIndex(0, n)), [0, 1, 3, 4]);
 * assert.equal(storedHashIndex(1, 0), 2);
 * ```
 */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  return i + level;
}

/**
 * The level and number of the hash at a stored-hash index (inverse of {@link storedHashIndex}).
 *
 * Follows golang.org/x/mod/sumdb/tlog SplitStoredHashIndex.
 *
 * @param index the stored-hash index
 * @returns `[level, n]`
 *
 * @example
 * ```ts
 * import { splitStoredHashIndex } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitStoredHashIndex(2), [1, 0]);
 * ```
 */
export function splitStoredHashIndex(index: number): [number, number] {
  let n = shr(index, 1);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return [level, shr(n, level)];
}

/**
 * How many hashes a tree of `n` records stores.
 *
 * Follows golang.org/x/mod/sumdb/tlog StoredHashCount.
 *
 * @param n the number of records
 * @returns the number of stored hashes
 *
 * @example
 * ```ts
 * import { storedHashCount } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([0, 1, 2, 3, 4].map(storedHashCount), [0, 1, 3, 4, 7]);
 * ```
 */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let numHash = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = shr(i, 1)) numHash++;
  return numHash;
}

async function readExactly(r: HashReader, indexes: number[]): Promise<Uint8Array[]> {
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw malformed(`tlog: readHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  }
  for (const h of hashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw malformed("tlog: bad hash");
  }
  return hashes;
}

/**
 * The hashes to store when record `n` (data `data`) is appended to a log of `n` records: its
 * record hash, then each interior node it completes.
 *
 * Follows golang.org/x/mod/sumdb/tlog StoredHashes.
 *
 * @param n the record's number (= the tree size before it)
 * @param data the record's bytes
 * @param r reads the hashes already stored
 * @returns the new stored hashes, in index order
 *
 * @example
 * ```ts
 * import { recordHash, storedHashes } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const stored: Uint8Array[] = [];
 * const r = { readHashes: (ix: number[]) => ix.map((i) => stored[i]!) };
 * stored.push(...await storedHashes(0, new Uint8Array([0]), r));
 * stored.push(...await storedHashes(1, new Uint8Array([1]), r));
 * assert.equal(stored.length, 3);
 * assert.deepEqual(stored[1], recordHash(new Uint8Array([1])));
 * ```
 */
export function storedHashes(n: number, data: Uint8Array, r: HashReader): Promise<Uint8Array[]> {
  return storedHashesForRecordHash(n, recordHash(data), r);
}

/**
 * Like {@link storedHashes}, given the record hash.
 *
 * Follows golang.org/x/mod/sumdb/tlog StoredHashesForRecordHash.
 *
 * @param n the record's number
 * @param h the record's hash
 * @param r reads the hashes already stored
 * @returns the new stored hashes
 *
 * @example
 * ```ts
 * import { recordHash, storedHashesForRecordHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const h = recordHash(new Uint8Array([7]));
 * assert.deepEqual(await storedHashesForRecordHash(0, h, { readHashes: () => [] }), [h]);
 * ```
 */
export async function storedHashesForRecordHash(
  n: number,
  h: Uint8Array,
  r: HashReader,
): Promise<Uint8Array[]> {
  checkSize("record number", n, 0);
  const hashes = [h];
  const m = trailingZeros(n + 1);
  const indexes: number[] = new Array(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, shr(n, i) - 1);
  const old = await readExactly(r, indexes);
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i]!, h);
    hashes.push(h);
  }
  return hashes;
}

const EMPTY_HASH = new Uint8Array(createHash("sha256").digest());

function subTreeIndex(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const [k, level] = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error("tlog: bad math in subTreeIndex");
    need.push(storedHashIndex(level, shr(lo, level)));
    lo += k;
  }
  return need;
}

function subTreeHash(lo: number, hi: number, hashes: Uint8Array[]): [Uint8Array, Uint8Array[]] {
  let numTree = 0;
  while (lo < hi) {
    const [k] = maxpow2(hi - lo + 1);
    if (lo % k !== 0 || lo >= hi) throw new Error("tlog: bad math in subTreeHash");
    numTree++;
    lo += k;
  }
  if (hashes.length < numTree) throw new Error("tlog: bad index math in subTreeHash");
  let h = hashes[numTree - 1]!;
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return [h, hashes.slice(numTree)];
}

/**
 * The root hash of the tree of the first `n` records.
 *
 * Follows golang.org/x/mod/sumdb/tlog TreeHash.
 *
 * @param n the number of records
 * @param r reads stored hashes
 * @returns the root hash (SHA-256 of nothing for an empty tree)
 *
 * @example
 * ```ts
 * import { recordHash, treeHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const h = recordHash(new Uint8Array([1]));
 * assert.deepEqual(await treeHash(1, { readHashes: () => [h] }), h);
 * ```
 */
export async function treeHash(n: number, r: HashReader): Promise<Uint8Array> {
  checkSize("tree size", n, 0);
  if (n === 0) return EMPTY_HASH.slice();
  const indexes = subTreeIndex(0, n, []);
  const hashes = await readExactly(r, indexes);
  const [hash, rest] = subTreeHash(0, n, hashes);
  if (rest.length !== 0) throw new Error("tlog: bad index math in treeHash");
  return hash;
}

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (lo + 1 === hi) return need;
  const [k] = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function leafProof(
  lo: number,
  hi: number,
  n: number,
  hashes: Uint8Array[],
): [Uint8Array[], Uint8Array[]] {
  if (lo + 1 === hi) return [[], hashes];
  let p: Uint8Array[];
  let th: Uint8Array;
  const [k] = maxpow2(hi - lo);
  if (n < lo + k) {
    [p, hashes] = leafProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = leafProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return [p, hashes];
}

/**
 * The inclusion proof that record `n` is in the tree of size `t`.
 *
 * Follows golang.org/x/mod/sumdb/tlog ProveRecord.
 *
 * @param t the tree size
 * @param n the record's number (0 ≤ n < t)
 * @param r reads stored hashes
 * @returns the proof's hashes
 * @throws {MochiError} `GO_E008` when the inputs are out of range
 *
 * @example
 * ```ts
 * import { proveRecord } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await proveRecord(1, 0, { readHashes: () => [] }), []);
 * ```
 */
export async function proveRecord(t: number, n: number, r: HashReader): Promise<Uint8Array[]> {
  checkSize("tree size", t, 0);
  checkSize("record number", n, 0);
  if (n >= t) throw malformed(`tlog: invalid inputs in proveRecord: record ${n} of ${t}`);
  const indexes = leafProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const hashes = await readExactly(r, indexes);
  const [p, rest] = leafProof(0, t, n, hashes);
  if (rest.length !== 0) throw new Error("tlog: bad index math in proveRecord");
  return p;
}

function runRecordProof(
  p: readonly Uint8Array[],
  lo: number,
  hi: number,
  n: number,
  leafHash: Uint8Array,
): Uint8Array {
  if (lo + 1 === hi) {
    if (p.length !== 0) throw proofFailed("record proof too long");
    return leafHash;
  }
  if (p.length === 0) throw proofFailed("record proof too short");
  const [k] = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  if (n < lo + k) {
    return nodeHash(runRecordProof(p.slice(0, -1), lo, lo + k, n, leafHash), last);
  }
  return nodeHash(last, runRecordProof(p.slice(0, -1), lo + k, hi, n, leafHash));
}

function checkHash(name: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw malformed(`tlog: ${name} is not a ${HASH_SIZE}-byte hash`);
  }
}

/**
 * Checks an inclusion proof: record `index` with hash `leafHash` is in the tree of size `treeSize`
 * whose root hash is `root`.
 *
 * Follows golang.org/x/mod/sumdb/tlog CheckRecord.
 *
 * @param proof the proof's hashes (from {@link proveRecord})
 * @param treeSize the tree size
 * @param root the tree's root hash
 * @param index the record's number
 * @param leafHash the record's hash ({@link recordHash} of its data)
 * @throws {MochiError} `GO_E007` when the proof fails; `GO_E008` when the inputs are malformed
 *
 * @example
 * ```ts
 * import { checkRecord, nodeHash, recordHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = [recordHash(new Uint8Array([0])), recordHash(new Uint8Array([1]))];
 * checkRecord([b], 2, nodeHash(a, b), 0, a);
 * assert.throws(() => checkRecord([a], 2, nodeHash(a, b), 0, a), { code: "GO_E007" });
 * ```
 */
export function checkRecord(
  proof: readonly Uint8Array[],
  treeSize: number,
  root: Uint8Array,
  index: number,
  leafHash: Uint8Array,
): void {
  checkSize("tree size", treeSize, 0);
  checkSize("record number", index, 0);
  if (index >= treeSize) {
    throw malformed(`tlog: invalid inputs in checkRecord: record ${index} of ${treeSize}`);
  }
  checkHash("root", root);
  checkHash("leaf hash", leafHash);
  proof.forEach((h) => checkHash("proof hash", h));
  const th = runRecordProof(proof, 0, treeSize, index, leafHash);
  if (!equal(th, root)) {
    throw proofFailed(`record ${index} is not in the tree of size ${treeSize} with that root`);
  }
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (n === hi) {
    if (lo === 0) return need;
    return subTreeIndex(lo, hi, need);
  }
  const [k] = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function treeProof(
  lo: number,
  hi: number,
  n: number,
  hashes: Uint8Array[],
): [Uint8Array[], Uint8Array[]] {
  if (n === hi) {
    if (lo === 0) return [[], hashes];
    const [th, rest] = subTreeHash(lo, hi, hashes);
    return [[th], rest];
  }
  let p: Uint8Array[];
  let th: Uint8Array;
  const [k] = maxpow2(hi - lo);
  if (n <= lo + k) {
    [p, hashes] = treeProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = treeProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return [p, hashes];
}

/**
 * The consistency proof that the tree of size `n` is a prefix of the tree of size `t`.
 *
 * Follows golang.org/x/mod/sumdb/tlog ProveTree.
 *
 * @param t the newer tree's size
 * @param n the older tree's size (1 ≤ n ≤ t)
 * @param r reads stored hashes (of the newer tree)
 * @returns the proof's hashes
 * @throws {MochiError} `GO_E008` when the inputs are out of range
 *
 * @example
 * ```ts
 * import { proveTree } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await proveTree(3, 3, { readHashes: () => [] }), []);
 * ```
 */
export async function proveTree(t: number, n: number, r: HashReader): Promise<Uint8Array[]> {
  checkSize("tree size", t, 1);
  checkSize("old tree size", n, 1);
  if (n > t) throw malformed(`tlog: invalid inputs in proveTree: ${n} > ${t}`);
  const indexes = treeProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const hashes = await readExactly(r, indexes);
  const [p, rest] = treeProof(0, t, n, hashes);
  if (rest.length !== 0) throw new Error("tlog: bad index math in proveTree");
  return p;
}

function runTreeProof(
  p: readonly Uint8Array[],
  lo: number,
  hi: number,
  n: number,
  old: Uint8Array,
): [Uint8Array, Uint8Array] {
  if (n === hi) {
    if (lo === 0) {
      if (p.length !== 0) throw proofFailed("tree proof too long");
      return [old, old];
    }
    if (p.length !== 1) throw proofFailed("tree proof has the wrong length");
    return [p[0]!, p[0]!];
  }
  if (p.length === 0) throw proofFailed("tree proof too short");
  const [k] = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  if (n <= lo + k) {
    const [oh, th] = runTreeProof(p.slice(0, -1), lo, lo + k, n, old);
    return [oh, nodeHash(th, last)];
  }
  const [oh, th] = runTreeProof(p.slice(0, -1), lo + k, hi, n, old);
  return [nodeHash(last, oh), nodeHash(last, th)];
}

/**
 * Checks a consistency proof: the tree of size `oldSize` with root `oldRoot` is a prefix of the
 * tree of size `newSize` with root `newRoot` (so the log was only appended to).
 *
 * Follows golang.org/x/mod/sumdb/tlog CheckTree.
 *
 * @param proof the proof's hashes (from {@link proveTree})
 * @param newSize the newer tree's size
 * @param newRoot the newer tree's root hash
 * @param oldSize the older tree's size (1 ≤ oldSize ≤ newSize)
 * @param oldRoot the older tree's root hash
 * @throws {MochiError} `GO_E007` when the trees are not consistent; `GO_E008` when the inputs
 *   are malformed
 *
 * @example
 * ```ts
 * import { checkTree, nodeHash, recordHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = [recordHash(new Uint8Array([0])), recordHash(new Uint8Array([1]))];
 * checkTree([b], 2, nodeHash(a, b), 1, a);
 * assert.throws(() => checkTree([b], 2, nodeHash(a, b), 1, b), { code: "GO_E007" });
 * ```
 */
export function checkTree(
  proof: readonly Uint8Array[],
  newSize: number,
  newRoot: Uint8Array,
  oldSize: number,
  oldRoot: Uint8Array,
): void {
  checkSize("tree size", newSize, 1);
  checkSize("old tree size", oldSize, 1);
  if (oldSize > newSize) {
    throw malformed(`tlog: invalid inputs in checkTree: ${oldSize} > ${newSize}`);
  }
  checkHash("new root", newRoot);
  checkHash("old root", oldRoot);
  proof.forEach((h) => checkHash("proof hash", h));
  const [h2, th2] = runTreeProof(proof, 0, newSize, oldSize, oldRoot);
  if (!equal(th2, newRoot) || !equal(h2, oldRoot)) {
    throw proofFailed(
      `the tree of size ${oldSize} is not a prefix of the tree of size ${newSize} (a forked or ` +
        "rolled-back log)",
    );
  }
}

// ---- Tiles ----

function tileForIndexInner(h: number, index: number): [Tile, number, number] {
  let [level, n] = splitStoredHashIndex(index);
  const l = Math.floor(level / h);
  level -= l * h;
  const tn = shr(n * pow2(level), h);
  n -= (tn * pow2(h)) / pow2(level);
  const w = (n + 1) * pow2(level);
  return [{ h, l, n: tn, w }, n * pow2(level) * HASH_SIZE, (n + 1) * pow2(level) * HASH_SIZE];
}

/**
 * The smallest tile of height `h` that holds the stored hash at `index`.
 *
 * Follows golang.org/x/mod/sumdb/tlog TileForIndex.
 *
 * @param h the tile height
 * @param index the stored-hash index
 * @returns the tile
 *
 * @example
 * ```ts
 * import { storedHashIndex, tileForIndex } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tileForIndex(2, storedHashIndex(0, 5)), { h: 2, l: 0, n: 1, w: 2 });
 * ```
 */
export function tileForIndex(h: number, index: number): Tile {
  if (!Number.isInteger(h) || h <= 0) throw malformed(`tileForIndex: invalid height ${h}`);
  return tileForIndexInner(h, index)[0];
}

function tileHashOf(data: Uint8Array): Uint8Array {
  if (data.length === HASH_SIZE) return data.slice();
  const n = data.length / 2;
  return nodeHash(tileHashOf(data.subarray(0, n)), tileHashOf(data.subarray(n)));
}

/**
 * The stored hash at `index`, computed from the data of tile `t`.
 *
 * Follows golang.org/x/mod/sumdb/tlog HashFromTile.
 *
 * @param t the tile
 * @param data the tile's data (`t.w × 32` bytes)
 * @param index the stored-hash index, which must lie in the tile
 * @returns the hash
 * @throws {MochiError} `GO_E008` when the tile is invalid, its data too short, or the index not in it
 *
 * @example
 * ```ts
 * import { hashFromTile, recordHash, storedHashIndex } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const h = recordHash(new Uint8Array([1]));
 * assert.deepEqual(hashFromTile({ h: 2, l: 0, n: 0, w: 1 }, h, storedHashIndex(0, 0)), h);
 * ```
 */
export function hashFromTile(t: Tile, data: Uint8Array, index: number): Uint8Array {
  if (t.h < 1 || t.h > 30 || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > pow2(t.h)) {
    throw malformed(`invalid tile ${tilePath(t)}`);
  }
  if (data.length < t.w * HASH_SIZE) {
    throw malformed(`data len ${data.length} too short for tile ${tilePath(t)}`);
  }
  const [t1, start, end] = tileForIndexInner(t.h, index);
  if (t.l !== t1.l || t.n !== t1.n || t.w < t1.w) {
    throw malformed(`index ${index} is in ${tilePath(t1)} not ${tilePath(t)}`);
  }
  return tileHashOf(data.subarray(start, end));
}

/**
 * The tiles of height `h` that change when a tree grows from `oldTreeSize` to `newTreeSize`
 * records (what a log server publishes after appending).
 *
 * Follows golang.org/x/mod/sumdb/tlog NewTiles.
 *
 * @param h the tile height
 * @param oldTreeSize the old tree size
 * @param newTreeSize the new tree size
 * @returns the new or grown tiles
 *
 * @example
 * ```ts
 * import { newTiles } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(newTiles(2, 0, 5), [
 *   { h: 2, l: 0, n: 0, w: 4 },
 *   { h: 2, l: 0, n: 1, w: 1 },
 *   { h: 2, l: 1, n: 0, w: 1 },
 * ]);
 * ```
 */
export function newTiles(h: number, oldTreeSize: number, newTreeSize: number): Tile[] {
  if (!Number.isInteger(h) || h <= 0) throw malformed(`newTiles: invalid height ${h}`);
  const tiles: Tile[] = [];
  for (let level = 0; shr(newTreeSize, h * level) > 0; level++) {
    const oldN = shr(oldTreeSize, h * level);
    const newN = shr(newTreeSize, h * level);
    if (oldN === newN) continue;
    for (let n = shr(oldN, h); n < shr(newN, h); n++) tiles.push({ h, l: level, n, w: pow2(h) });
    const n = shr(newN, h);
    const w = newN - n * pow2(h);
    if (w > 0) tiles.push({ h, l: level, n, w });
  }
  return tiles;
}

/**
 * The data of tile `t`: its stored hashes, concatenated.
 *
 * Follows golang.org/x/mod/sumdb/tlog ReadTileData.
 *
 * @param t the tile (a hash tile, level ≥ 0)
 * @param r reads stored hashes
 * @returns `t.w × 32` bytes
 *
 * @example
 * ```ts
 * import { readTileData, recordHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const h = recordHash(new Uint8Array([1]));
 * assert.deepEqual(await readTileData({ h: 2, l: 0, n: 0, w: 1 }, { readHashes: () => [h] }), h);
 * ```
 */
export async function readTileData(t: Tile, r: HashReader): Promise<Uint8Array> {
  const size = t.w === 0 ? pow2(t.h) : t.w;
  const start = t.n * pow2(t.h);
  const indexes: number[] = [];
  for (let i = 0; i < size; i++) indexes.push(storedHashIndex(t.h * t.l, start + i));
  const hashes = await readExactly(r, indexes);
  const tile = new Uint8Array(size * HASH_SIZE);
  hashes.forEach((h, i) => tile.set(h, i * HASH_SIZE));
  return tile;
}

const PATH_BASE = 1000;

/**
 * The path of a tile, as the checksum database serves it: `tile/<h>/<l>/<n>[.p/<w>]`, with `n` in
 * groups of three digits (`x001/234`) and `data` for level -1.
 *
 * Follows golang.org/x/mod/sumdb/tlog Tile.Path.
 *
 * @param tile the tile
 * @returns its path
 *
 * @example
 * ```ts
 * import { tilePath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tilePath({ h: 8, l: 0, n: 1234067, w: 3 }), "tile/8/0/x001/x234/067.p/3");
 * assert.equal(tilePath({ h: 8, l: -1, n: 0, w: 256 }), "tile/8/data/000");
 * ```
 */
export function tilePath(tile: Tile): string {
  let n = tile.n;
  let nStr = String(n % PATH_BASE).padStart(3, "0");
  while (n >= PATH_BASE) {
    n = Math.floor(n / PATH_BASE);
    nStr = `x${String(n % PATH_BASE).padStart(3, "0")}/${nStr}`;
  }
  const pStr = tile.w !== pow2(tile.h) ? `.p/${tile.w}` : "";
  const l = tile.l === -1 ? "data" : String(tile.l);
  return `tile/${tile.h}/${l}/${nStr}${pStr}`;
}

function atoi(s: string): number | undefined {
  // strconv.Atoi: optional sign, decimal digits.
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses a tile path (see {@link tilePath}); only the canonical spelling is accepted.
 *
 * Follows golang.org/x/mod/sumdb/tlog ParseTilePath.
 *
 * @param path the path (`tile/8/0/x001/x234/067.p/3`)
 * @returns the tile (`l` is -1 for a data tile)
 * @throws {MochiError} `GO_E008` naming the path when it is malformed
 *
 * @example
 * ```ts
 * import { parseTilePath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseTilePath("tile/8/0/x001/x234/067.p/3"), { h: 8, l: 0, n: 1234067, w: 3 });
 * assert.throws(() => parseTilePath("tile/8/0/1234067"), { code: "GO_E008" });
 * ```
 */
export function parseTilePath(path: string): Tile {
  const bad = () => malformed(`malformed tile path ${quoteValue(String(path))}`);
  if (typeof path !== "string" || path.length > 1000) throw bad();
  let f = path.split("/");
  if (f.length < 4 || f[0] !== "tile") throw bad();
  const h = atoi(f[1]!);
  let isData = false;
  if (f[2] === "data") {
    isData = true;
    f[2] = "0";
  }
  let l = atoi(f[2]!);
  if (h === undefined || l === undefined || h < 1 || l < 0 || h > 30) throw bad();
  let w = pow2(h);
  const dotP = f[f.length - 2]!;
  if (dotP.endsWith(".p")) {
    const ww = atoi(f[f.length - 1]!);
    if (ww === undefined || ww <= 0 || ww >= w) throw bad();
    w = ww;
    f[f.length - 2] = dotP.slice(0, -2);
    f = f.slice(0, -1);
  }
  f = f.slice(3);
  let n = 0;
  for (const s of f) {
    const nn = atoi(s.startsWith("x") ? s.slice(1) : s);
    if (nn === undefined || nn < 0 || nn >= PATH_BASE) throw bad();
    n = n * PATH_BASE + nn;
    if (!Number.isSafeInteger(n)) throw bad();
  }
  if (isData) l = -1;
  const t: Tile = { h, l, n, w };
  if (path !== tilePath(t)) throw bad();
  return t;
}

/** How many computed stored hashes a {@link tileHashReader} keeps (each 32 bytes). */
const MAX_KEPT_HASHES = 1 << 16;

function tileKey(t: Tile): string {
  return `${t.h}/${t.l}/${t.n}/${t.w}`;
}

function tileParent(t: Tile, k: number, n: number): Tile | undefined {
  const l = t.l + k;
  const tn = shr(t.n, k * t.h);
  let w = pow2(t.h);
  const max = shr(n, l * t.h);
  if (tn * pow2(t.h) + w >= max) {
    if (tn * pow2(t.h) >= max) return undefined;
    w = max - tn * pow2(t.h);
  }
  return { h: t.h, l, n: tn, w };
}

/**
 * A {@link HashReader} that reads the hashes of `tree` from tiles, checking every tile it uses
 * against the tree's root hash (so a reader that lies is caught) before answering. Tiles it has
 * checked are kept for the reader's life and not read or checked again.
 *
 * Follows golang.org/x/mod/sumdb/tlog TileHashReader; one difference: x/mod checks tiles against
 * their parents from position `len(stx)` of its tile list, which skips a tile whenever two subtree
 * roots share a tile; every tile is checked here.
 *
 * @param tree the (verified) tree head
 * @param tr reads tiles
 * @returns the hash reader; its `readHashes` rejects with `GO_E007` ("downloaded inconsistent
 *   tile") when a tile does not match the tree, `GO_E008` when an index is not in the tree or the
 *   tile reader answers with the wrong sizes
 *
 * @example
 * ```ts
 * import { recordHash, tileHashReader } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const h = recordHash(new Uint8Array([1]));
 * const r = tileHashReader({ n: 1, hash: h }, { height: 2, readTiles: (ts) => ts.map(() => h) });
 * assert.deepEqual(await r.readHashes([0]), [h]);
 * ```
 */
export function tileHashReader(tree: Tree, tr: TileReader): HashReader {
  const verified = new Map<string, Uint8Array>();
  const hashes = new Map<number, Uint8Array>();
  return {
    async readHashes(indexes: number[]): Promise<Uint8Array[]> {
      const h = tr.height;
      const tileOrder = new Map<string, number>();
      const tiles: Tile[] = [];
      const stx = subTreeIndex(0, tree.n, []);
      const stxTileOrder: number[] = new Array(stx.length);
      stx.forEach((x, i) => {
        const tile = tileParent(tileForIndexInner(h, x)[0], 0, tree.n)!;
        const j = tileOrder.get(tileKey(tile));
        if (j !== undefined) {
          stxTileOrder[i] = j;
          return;
        }
        stxTileOrder[i] = tiles.length;
        tileOrder.set(tileKey(tile), tiles.length);
        tiles.push(tile);
      });
      const indexTileOrder: number[] = new Array(indexes.length);
      const limit = storedHashIndex(0, tree.n);
      for (let i = 0; i < indexes.length; i++) {
        const x = indexes[i]!;
        if (!Number.isSafeInteger(x) || x < 0 || x >= limit) {
          throw malformed(`stored hash ${x} is not in the tree of size ${tree.n}`);
        }
        const tile = tileForIndexInner(h, x)[0];
        let k = 0;
        for (;; k++) {
          const p = tileParent(tile, k, tree.n);
          const j = p === undefined ? undefined : tileOrder.get(tileKey(p));
          if (j !== undefined) {
            if (k === 0) indexTileOrder[i] = j;
            break;
          }
          if (k > 64) throw new Error("tlog: bad math in tileHashReader");
        }
        for (k--; k >= 0; k--) {
          const p = tileParent(tile, k, tree.n);
          if (p === undefined || p.w !== pow2(p.h)) {
            throw new Error(`tlog: bad math in tileHashReader: ${tree.n} ${x}`);
          }
          tileOrder.set(tileKey(p), tiles.length);
          if (k === 0) indexTileOrder[i] = tiles.length;
          tiles.push(p);
        }
      }
      // Tiles already authenticated against this tree are not read or checked again.
      const fresh = tiles.map((t) => !verified.has(tileKey(t)));
      const toRead = tiles.filter((_, i) => fresh[i]);
      const read = toRead.length === 0 ? [] : await tr.readTiles(toRead);
      if (read.length !== toRead.length) {
        throw malformed(`tile reader returned ${read.length} tiles, want ${toRead.length}`);
      }
      let next = 0;
      const data = tiles.map((t, i) => (fresh[i] ? read[next++]! : verified.get(tileKey(t))!));
      tiles.forEach((tile, i) => {
        if (!(data[i] instanceof Uint8Array) || data[i]!.length !== tile.w * HASH_SIZE) {
          throw malformed(
            `tile ${tilePath(tile)} has ${data[i]?.length} bytes, want ${tile.w * HASH_SIZE}`,
          );
        }
      });
      const stxTiles = new Set(stxTileOrder).size;
      if (fresh.slice(0, stxTiles).some((f) => f)) {
        const last = stx.length - 1;
        let th = hashFromTile(tiles[stxTileOrder[last]!]!, data[stxTileOrder[last]!]!, stx[last]!);
        for (let i = stx.length - 2; i >= 0; i--) {
          const hh = hashFromTile(tiles[stxTileOrder[i]!]!, data[stxTileOrder[i]!]!, stx[i]!);
          th = nodeHash(hh, th);
        }
        if (!equal(th, tree.hash)) throw proofFailed("downloaded inconsistent tile");
      }
      // Every other tile against its parent (parents come first). x/mod starts this loop at
      // len(stx), which skips a tile when two subtree roots share a tile; here every one is checked.
      for (let i = stxTiles; i < tiles.length; i++) {
        if (!fresh[i]) continue;
        const tile = tiles[i]!;
        const p = tileParent(tile, 1, tree.n);
        const j = p === undefined ? undefined : tileOrder.get(tileKey(p));
        if (p === undefined || j === undefined) {
          throw new Error(`tlog: bad math in tileHashReader: lost parent of ${tilePath(tile)}`);
        }
        const hh = hashFromTile(p, data[j]!, storedHashIndex(p.l * p.h, tile.n));
        if (!equal(hh, tileHashOf(data[i]!))) throw proofFailed("downloaded inconsistent tile");
      }
      tiles.forEach((t, i) => {
        if (fresh[i]) verified.set(tileKey(t), data[i]!);
      });
      if (toRead.length > 0) await tr.saveTiles?.(toRead, read);
      return indexes.map((x, i) => {
        const known = hashes.get(x);
        if (known !== undefined) return known.slice();
        const j = indexTileOrder[i]!;
        const h = hashFromTile(tiles[j]!, data[j]!, x);
        // A stored hash has one value in the tree: keep it (bounded) for later proofs.
        if (hashes.size >= MAX_KEPT_HASHES) hashes.clear();
        hashes.set(x, h.slice());
        return h;
      });
    },
  };
}

// ---- Tree heads and records ----

const TREE_PREFIX = "go.sum database tree\n";

/**
 * The text of a tree head, as signed in the checksum database's notes:
 * `go.sum database tree\n<n>\n<base64 hash>\n`.
 *
 * Follows golang.org/x/mod/sumdb/tlog FormatTree.
 *
 * @param tree the tree head
 * @returns the text
 *
 * @example
 * ```ts
 * import { formatTree, parseTree } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const text = formatTree({ n: 1, hash: new Uint8Array(32) });
 * assert.equal(text, "go.sum database tree\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
 * assert.equal(parseTree(new TextEncoder().encode(text)).n, 1);
 * ```
 */
export function formatTree(tree: Tree): string {
  checkSize("tree size", tree.n, 0);
  checkHash("tree hash", tree.hash);
  return `${TREE_PREFIX}${tree.n}\n${encodeBase64(tree.hash)}\n`;
}

/**
 * Parses a tree head's text (the text of an opened note; lines after the third are ignored).
 *
 * Follows golang.org/x/mod/sumdb/tlog ParseTree.
 *
 * @param text the text, as bytes or a string
 * @returns the tree head
 * @throws {MochiError} `GO_E008` ("malformed tree note") when it is not a tree head
 *
 * @example
 * ```ts
 * import { parseTree } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => parseTree(new TextEncoder().encode("go.sum database tree\n01\nAA==\n")), {
 *   code: "GO_E008",
 * });
 * ```
 */
export function parseTree(text: Uint8Array | string): Tree {
  const bad = () => malformed("malformed tree note");
  if (typeof text !== "string") {
    if (text.length > 1e6) throw bad();
    text = new TextDecoder().decode(text);
  }
  if (text.length > 1e6 || !text.startsWith(TREE_PREFIX) || text.split("\n").length - 1 < 3) {
    throw bad();
  }
  const lines = text.split("\n");
  const nText = lines[1]!;
  if (!/^(0|[1-9][0-9]*)$/.test(nText)) throw bad();
  const n = Number(nText);
  if (!Number.isSafeInteger(n)) throw bad();
  const hash = decodeBase64(lines[2]!);
  if (hash === undefined || hash.length !== HASH_SIZE) throw bad();
  return { n, hash };
}

/**
 * Parses a 32-byte hash in standard base64.
 *
 * Follows golang.org/x/mod/sumdb/tlog ParseHash.
 *
 * @param s the base64 text
 * @returns the hash
 * @throws {MochiError} `GO_E008` ("malformed hash")
 *
 * @example
 * ```ts
 * import { parseHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseHash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").length, 32);
 * assert.throws(() => parseHash("AA=="), { code: "GO_E008" });
 * ```
 */
export function parseHash(s: string): Uint8Array {
  const h = decodeBase64(s);
  if (h === undefined || h.length !== HASH_SIZE) throw malformed("malformed hash");
  return h;
}

/**
 * A hash in standard base64 (Go's Hash.String).
 *
 * Follows golang.org/x/mod/sumdb/tlog Hash.String.
 *
 * @param h the hash
 * @returns 44 base64 characters
 *
 * @example
 * ```ts
 * import { formatHash } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatHash(new Uint8Array(32)), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
 * ```
 */
export function formatHash(h: Uint8Array): string {
  return encodeBase64(h);
}

function isValidRecordText(text: Uint8Array): boolean {
  let s: string;
  try {
    s = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(text);
  } catch {
    return false;
  }
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a) || (last === 0x0a && c === 0x0a)) return false;
    last = c;
  }
  return last === 0x0a;
}

/**
 * The message form of a record: `<id>\n<text>\n` (what `/lookup` answers before the signed tree).
 *
 * Follows golang.org/x/mod/sumdb/tlog FormatRecord.
 *
 * @param id the record's number
 * @param text the record's text (UTF-8 lines, no blank line, ending in a newline)
 * @returns the message bytes
 * @throws {MochiError} `GO_E008` ("malformed record data")
 *
 * @example
 * ```ts
 * import { formatRecord } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const te = new TextEncoder();
 * assert.equal(new TextDecoder().decode(formatRecord(7, te.encode("a b\n"))), "7\na b\n\n");
 * ```
 */
export function formatRecord(id: number, text: Uint8Array): Uint8Array {
  if (!isValidRecordText(text)) throw malformed("malformed record data");
  checkSize("record id", id, 0);
  const head = new TextEncoder().encode(`${id}\n`);
  const out = new Uint8Array(head.length + text.length + 1);
  out.set(head);
  out.set(text, head.length);
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * Parses a record message `<id>\n<text>\n<rest>`: `rest` is what follows (the signed tree head
 * in a `/lookup` answer).
 *
 * Follows golang.org/x/mod/sumdb/tlog ParseRecord.
 *
 * @param msg the message bytes
 * @returns the record's id, its text and the rest
 * @throws {MochiError} `GO_E008` ("malformed record data")
 *
 * @example
 * ```ts
 * import { parseRecord } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const r = parseRecord(new TextEncoder().encode("7\na b\n\nrest"));
 * assert.equal(r.id, 7);
 * assert.equal(new TextDecoder().decode(r.rest), "rest");
 * ```
 */
export function parseRecord(msg: Uint8Array): { id: number; text: Uint8Array; rest: Uint8Array } {
  const bad = () => malformed("malformed record data");
  const i = msg.indexOf(0x0a);
  if (i < 0) throw bad();
  const idText = new TextDecoder().decode(msg.subarray(0, i));
  // strconv.ParseInt(s, 10, 64): optional sign, decimal digits.
  if (!/^[+-]?[0-9]+$/.test(idText)) throw bad();
  const id = Number(idText);
  if (!Number.isSafeInteger(id)) throw bad();
  const body = msg.subarray(i + 1);
  let j = -1;
  for (let k = 0; k + 1 < body.length; k++) {
    if (body[k] === 0x0a && body[k + 1] === 0x0a) {
      j = k;
      break;
    }
  }
  if (j < 0) throw bad();
  const text = body.subarray(0, j + 1);
  if (!isValidRecordText(text)) throw bad();
  return { id, text, rest: body.subarray(j + 2) };
}
