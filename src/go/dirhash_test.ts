/**
 * Tests of src/go/dirhash.ts. Vectors: repository github.com/golang/mod, file
 * sumdb/dirhash/hash_test.go (TestHash1, TestHashDir's names with a prefix).
 */
import { createHash } from "node:crypto";
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { compareUtf8, hash1, hashGoMod } from "./dirhash.ts";

const te = new TextEncoder();
const h = (s: string) => createHash("sha256").update(s).digest("hex");
const htop = (s: string) => `h1:${createHash("sha256").update(s).digest("base64")}`;
const open = (name: string) => ({ name, data: te.encode(`data for ${name.split("/").pop()}`) });

Deno.test("hash1: sumdb/dirhash/hash_test.go TestHash1", () => {
  const want = htop(`${h("data for abc")}  abc\n${h("data for xyz")}  xyz\n`);
  assertEquals(hash1([open("xyz"), open("abc")]), want);
  // The same value computed outside this code (python hashlib), so the formula itself is pinned.
  assertEquals(want, "h1:EP6WfDoQTSk9klnxcjriWJOGztueJUywHNmWeq+efB8=");
  const e = assertThrows(
    () => hash1([open("xyz"), { name: "a\nbc", data: new Uint8Array() }]),
    MochiError,
  );
  assertEquals(e.code, "GO_E003");
});

Deno.test("hash1: names with a prefix, as HashDir and HashZip give them (hash_test.go)", () => {
  assertEquals(
    hash1([open("prefix/xyz"), open("prefix/abc")]),
    "h1:rLyfpGMAgqOnGE2aKOY5Xb6cOc0/YQhPjHBHBwkblhs=",
  );
  assertEquals(hash1([]), htop(""));
});

Deno.test("hash1: files sort by UTF-8 bytes (Go's string order), not UTF-16 units", () => {
  // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
  const a = "m@v1.0.0/\uFFFD.go";
  const b = "m@v1.0.0/\u{1F600}.go";
  assertEquals(compareUtf8(a, b), -1);
  assertEquals(compareUtf8(b, a), 1);
  assertEquals(compareUtf8("ab", "abc") < 0, true);
  const files = [{ name: b, data: te.encode("b") }, { name: a, data: te.encode("a") }];
  assertEquals(hash1(files), htop(`${h("a")}  ${a}\n${h("b")}  ${b}\n`));
  assertThrows(() => hash1([{ name: "m@v1/\uD800", data: new Uint8Array() }]), MochiError);
});

Deno.test("hashGoMod: Hash1 of one file named go.mod", () => {
  const data = te.encode("module example.com/m\n\ngo 1.21\n");
  assertEquals(hashGoMod(data), htop(`${h("module example.com/m\n\ngo 1.21\n")}  go.mod\n`));
});
