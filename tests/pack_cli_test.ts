/**
 * `mochi pack` through the CLI: byte-identical archives across time zones, umasks and mtimes,
 * the tar listing (files and directories only, sorted), default excludes and `.mochiignore`,
 * symlinks refused, every publish problem listed at once.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { zstdDecompressSync } from "node:zlib";
import tar from "tar-stream";
import { packPackage } from "../src/publish/client/pack.ts";
import { ROOT } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const MANIFEST = `[package]
name = "@acme/strings"
version = "1.2.0"
edition = "2026"
mochi = ">=0.7"
description = "String helpers"
license = "MIT OR Apache-2.0"
readme = "README.md"
repository = "https://github.com/acme/strings"
`;

/** Writes a package directory with files that must and must not be packed. */
async function writePackage(dir: string, manifest = MANIFEST): Promise<void> {
  const files: Record<string, string> = {
    "mochi.toml": manifest,
    "README.md": "# strings\n",
    "LICENSE-MIT": "MIT\n",
    "CHANGELOG.md": "## 1.2.0\n",
    "src/lib.mochi": "fun upper(s: string): string { return s }\n",
    "src/text/case.mochi": "// case\n",
    "src/text/deep/more.mochi": "// deep\n",
    "src/gen/out.mochi": "// generated, ignored by .mochiignore\n",
    "src/debug.log": "log\n",
    "src/.env": "TOKEN=secret\n",
    "src/key.pem": "-----BEGIN PRIVATE KEY-----\n",
    "tools/run.sh": "#!/bin/sh\n",
    ".git/config": "[core]\n",
    "node_modules/x/index.js": "x\n",
    "target/package/old.tar.zst": "old\n",
    "notes.txt": "not included by default\n",
    ".mochiignore": "# generated code\nsrc/gen/\n",
  };
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  await Deno.writeTextFile(`${dir}/src/build.sh`, "#!/bin/sh\necho build\n");
  await Deno.chmod(`${dir}/src/build.sh`, 0o755);
}

/** Runs the CLI under a shell so the umask applies to the process. */
async function packCli(
  dir: string,
  out: string,
  env: Record<string, string>,
  umask: string,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command("sh", {
    args: [
      "-c",
      `umask ${umask}; exec "$0" "$@"`,
      Deno.execPath(),
      "run",
      "-A",
      `${ROOT}/cli.ts`,
      "pack",
      "--out",
      out,
      ...extra,
    ],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

interface Header {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  uname: string;
  gname: string;
}

async function tarListing(archive: Uint8Array): Promise<Header[]> {
  const raw = zstdDecompressSync(Buffer.from(archive));
  const ex = tar.extract();
  const out: Header[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      out.push({
        name: h.name,
        type: String(h.type),
        mode: h.mode ?? -1,
        uid: h.uid ?? -1,
        gid: h.gid ?? -1,
        mtime: (h.mtime?.getTime() ?? -1) / 1000,
        uname: h.uname ?? "",
        gname: h.gname ?? "",
      });
      entry.resume();
    }
  })();
  ex.end(raw);
  await done;
  return out;
}

async function walkSetTimes(dir: string, seconds: number): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) await walkSetTimes(p, seconds);
    await Deno.utime(p, seconds, seconds);
  }
}

async function walkChmod(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) {
      await walkChmod(p);
      await Deno.chmod(p, 0o700);
    } else {
      const exec = ((await Deno.stat(p)).mode! & 0o100) !== 0;
      await Deno.chmod(p, exec ? 0o700 : 0o600);
    }
  }
}

guardedTest(
  "mochi pack: byte-identical across TZ, umask and mtimes; sorted files and dirs only",
  async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const a = `${tmp}/a`;
      const b = `${tmp}/b`;
      await writePackage(a);
      await writePackage(b);
      await walkSetTimes(a, 1_000_000_000);
      await walkSetTimes(b, 1_700_000_123);
      await walkChmod(b);
      const r1 = await packCli(a, `${tmp}/out1`, { TZ: "UTC", LANG: "C" }, "022");
      assert.equal(r1.code, 0, r1.stderr);
      const r2 = await packCli(
        b,
        `${tmp}/out2`,
        { TZ: "Asia/Ho_Chi_Minh", LANG: "C.UTF-8" },
        "077",
        ["--verify-reproducible"],
      );
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stdout, /reproducible: two packs are byte-identical/);
      const file = "acme-strings-1.2.0.tar.zst";
      const bytes1 = await Deno.readFile(`${tmp}/out1/${file}`);
      const bytes2 = await Deno.readFile(`${tmp}/out2/${file}`);
      assert.deepEqual(bytes1, bytes2, "two packs differ");
      assert.match(r1.stdout, /blake3 [0-9a-f]{64}/);

      const listing = await tarListing(bytes1);
      const names = listing.map((h) => h.name);
      assert.deepEqual(names, [
        "CHANGELOG.md",
        "LICENSE-MIT",
        "README.md",
        "mochi.toml",
        "src/",
        "src/build.sh",
        "src/lib.mochi",
        "src/text/",
        "src/text/case.mochi",
        "src/text/deep/",
        "src/text/deep/more.mochi",
      ]);
      const bare = names.map((n) => n.replace(/\/$/, ""));
      const sorted = [...bare].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(bare, sorted);
      for (const h of listing) {
        assert.ok(h.type === "file" || h.type === "directory", `${h.name} is ${h.type}`);
        assert.equal(h.uid, 0);
        assert.equal(h.gid, 0);
        assert.equal(h.mtime, 0);
        const want = h.type === "directory" || h.name === "src/build.sh" ? 0o755 : 0o644;
        assert.equal(h.mode, want, `${h.name} mode ${h.mode.toString(8)}`);
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("mochi pack: SOURCE_DATE_EPOCH sets every mtime", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await writePackage(tmp);
    const r = await packCli(tmp, `${tmp}/out`, { SOURCE_DATE_EPOCH: "1700000000" }, "022");
    assert.equal(r.code, 0, r.stderr);
    const listing = await tarListing(await Deno.readFile(`${tmp}/out/acme-strings-1.2.0.tar.zst`));
    assert.ok(listing.length > 0);
    for (const h of listing) assert.equal(h.mtime, 1_700_000_000, h.name);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest("mochi pack: an included symlink is refused and nothing is written", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await writePackage(tmp);
    await Deno.symlink("/etc/passwd", `${tmp}/src/passwd.mochi`);
    const r = await packCli(tmp, `${tmp}/out`, {}, "022");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /PUB_E002/);
    assert.match(r.stderr, /src\/passwd\.mochi is a symlink/);
    await assert.rejects(Deno.stat(`${tmp}/out`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest(
  "mochi pack: the preflight lists every missing or invalid field at once, sorted",
  async () => {
    const tmp = await Deno.makeTempDir();
    try {
      await writePackage(
        tmp,
        `[package]
name = "bare"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"
license = "MIT-ish"
repository = "http://example.com/x"
`,
      );
      const r = await packCli(tmp, `${tmp}/out`, {}, "022");
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /PUB_E001/);
      const lines = r.stderr.split("\n").filter((l) => l.startsWith("  [package]")).map((l) =>
        l.trim()
      );
      assert.deepEqual(lines, [
        '[package] description is missing: add description = "what the package does"',
        '[package] license "MIT-ish" is not a valid SPDX expression (see https://spdx.org/licenses/)',
        '[package] readme is missing: add readme = "README.md"',
        '[package] repository "http://example.com/x" must be an https://, git+https:// or ssh:// URL',
      ]);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("packPackage: the size limit is enforced on the compressed archive", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await writePackage(tmp);
    const ok = await packPackage({ projectDir: tmp });
    await assert.rejects(
      packPackage({ projectDir: tmp, maxSizeBytes: ok.archive.length - 1 }),
      (e: Error & { code?: string }) => e.code === "PUB_E003" && /over the limit/.test(e.message),
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest(
  "mochi pack reads mochi.toml as strictly as install: invalid UTF-8 is refused (MANIFEST_E001), nothing written",
  async () => {
    const tmp = await Deno.makeTempDir();
    try {
      await writePackage(tmp);
      // An invalid byte inside the description: a lossy reader turns it into U+FFFD and packs.
      const bytes = new TextEncoder().encode(
        MANIFEST.replace("String helpers", "String XX helpers"),
      );
      const at = bytes.indexOf("X".charCodeAt(0));
      bytes.set([0xc3, 0x28], at);
      await Deno.writeFile(`${tmp}/mochi.toml`, bytes);
      const r = await packCli(tmp, `${tmp}/out`, {}, "022");
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /MANIFEST_E001[^\n]*not valid UTF-8/);
      await assert.rejects(Deno.stat(`${tmp}/out`), Deno.errors.NotFound);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
