/**
 * The pieces of src/go/ that a checksum-database client composes, end to end against the
 * in-memory database of checksum_db_testing.ts: lookup, signed tree head, tiles, inclusion and
 * consistency proofs, and the tamper cases (unknown key, forked log, record not in the tree).
 * The client flow follows golang.org/x/mod/sumdb Client (Lookup, checkTrees).
 */
import { assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { TestChecksumDatabase } from "./checksum_db_testing.ts";
import {
  checkRecord,
  checkTree,
  newVerifier,
  openNote,
  parseRecord,
  parseTilePath,
  parseTree,
  proveRecord,
  proveTree,
  recordHash,
  storedHashIndex,
  tileHashReader,
  tilePath,
  type TileReader,
  type Tree,
} from "./mod.ts";

const td = new TextDecoder();
const SEED = new Uint8Array(32).fill(7);

async function makeDb(n: number, name = "sum.test.example", seed = SEED) {
  const db = new TestChecksumDatabase(name, { seed, height: 2 });
  for (let i = 0; i < n; i++) {
    await db.addModule(`example.com/m${i}`, "v1.0.0", `h1:zip${i}=`, `h1:mod${i}=`);
  }
  return db;
}

function tilesOf(db: TestChecksumDatabase): TileReader {
  return {
    height: db.height,
    readTiles: (tiles) =>
      Promise.all(tiles.map(async (t) => {
        const a = await db.serve(`/${tilePath(t)}`);
        if (a.status !== 200) throw new Error(`tile ${tilePath(t)}: ${a.status}`);
        return a.body;
      })),
  };
}

/** What a client does for one module: lookup, verify the note, prove the record via tiles. */
async function verifyLookup(db: TestChecksumDatabase, vkey: string, path: string): Promise<Tree> {
  const a = await db.serve(TestChecksumDatabase.lookupPath(path, "v1.0.0"));
  assertEquals(a.status, 200);
  const { id, text, rest } = parseRecord(a.body);
  const note = openNote(rest, [newVerifier(vkey)]);
  const tree = parseTree(note.text);
  const r = tileHashReader(tree, tilesOf(db));
  const proof = await proveRecord(tree.n, id, r);
  checkRecord(proof, tree.n, tree.hash, id, recordHash(text));
  return tree;
}

Deno.test("checksum database: lookup, signed tree, inclusion proof through tiles", async () => {
  const db = await makeDb(13);
  const tree = await verifyLookup(db, db.vkey, "example.com/m5");
  assertEquals(tree.n, 13);
  const a = await db.serve(TestChecksumDatabase.lookupPath("example.com/m5", "v1.0.0"));
  assertEquals(
    td.decode(parseRecord(a.body).text),
    "example.com/m5 v1.0.0 h1:zip5=\nexample.com/m5 v1.0.0/go.mod h1:mod5=\n",
  );
  assertEquals((await db.serve("/lookup/example.com/nope@v1.0.0")).status, 404);
  assertEquals((await db.serve("/lookup/Example.com/m1@v1.0.0")).status, 400);
  assertEquals((await db.serve("/tile/2/0/999")).status, 404);
  assertEquals((await db.serve("/tile/2/0/1")).status, 400);
  // Data tiles hold the record texts, each followed by a blank line.
  const data = await db.serve("/tile/2/data/000");
  assertEquals(td.decode(data.body).split("\n\n").length, 5);
  parseTilePath("tile/2/data/000");
});

Deno.test("checksum database: the newest tree head is proven consistent with the one seen before", async () => {
  const db = await makeDb(5);
  const old = await db.tree();
  for (let i = 5; i < 21; i++) await db.addModule(`example.com/m${i}`, "v1.0.0", "h1:z=", "h1:m=");
  const now = parseTree(openNote(await db.signedTree(), [newVerifier(db.vkey)]).text);
  const r = tileHashReader(now, tilesOf(db));
  checkTree(await proveTree(now.n, old.n, r), now.n, now.hash, old.n, old.hash);
});

Deno.test("tamper: a tree head signed by an unknown key is refused", async () => {
  const db = await makeDb(3);
  const other = await makeDb(3, "sum.test.example", new Uint8Array(32).fill(9));
  const e = await assertRejects(() => verifyLookup(db, other.vkey, "example.com/m1"), MochiError);
  assertEquals(e.code, "GO_E006");
});

Deno.test("tamper: a forked log (same key, other history) fails the consistency proof", async () => {
  const db = await makeDb(6);
  const seen = await db.tree();
  const fork = new TestChecksumDatabase("sum.test.example", { skey: db.skey, height: 2 });
  for (let i = 0; i < 9; i++) await fork.addModule(`example.com/f${i}`, "v1.0.0", "h1:z=", "h1:m=");
  const head = parseTree(openNote(await fork.signedTree(), [newVerifier(db.vkey)]).text);
  const proof = await proveTree(head.n, seen.n, tileHashReader(head, tilesOf(fork)));
  const e = assertThrows(() => checkTree(proof, head.n, head.hash, seen.n, seen.hash), MochiError);
  assertEquals(e.code, "GO_E007");
});

Deno.test("tamper: a record whose text was changed is not in the tree", async () => {
  const db = await makeDb(7);
  const tree = await db.tree();
  const proof = await db.proveRecord(3);
  const forged = new TextEncoder().encode(
    "example.com/m3 v1.0.0 h1:evil=\nexample.com/m3 v1.0.0/go.mod h1:mod3=\n",
  );
  const e = assertThrows(
    () => checkRecord(proof, tree.n, tree.hash, 3, recordHash(forged)),
    MochiError,
  );
  assertEquals(e.code, "GO_E007");
  // And tiles served from another log do not match the signed tree.
  const mixed = new TestChecksumDatabase("sum.test.example", { skey: db.skey, height: 2 });
  for (let i = 0; i < 7; i++) {
    await mixed.addModule(`example.com/z${i}`, "v1.0.0", "h1:z=", "h1:z=");
  }
  const r = tileHashReader(tree, tilesOf(mixed));
  assertEquals(
    (await assertRejects(() => Promise.resolve(r.readHashes([storedHashIndex(0, 1)])), MochiError))
      .code,
    "GO_E007",
  );
});
