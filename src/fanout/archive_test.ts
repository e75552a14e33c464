import assert from "node:assert/strict";
import { gunzipSync, unzipSync } from "fflate";
import { MochiError } from "../errors.ts";
import { hashHex, makeArtifact, sha256Hex, tar, tarGz, zip } from "./archive.ts";

const enc = new TextEncoder();
const FILES = [
  { path: "b/z.txt", bytes: enc.encode("zed\n") },
  { path: "bin/run", bytes: enc.encode("#!/bin/sh\necho hi\n"), executable: true },
  { path: "a.txt", bytes: enc.encode("a\n") },
  { path: "b/é.txt", bytes: enc.encode("accent\n") },
  { path: "B.txt", bytes: enc.encode("upper\n") },
];

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    ...(cwd === undefined ? {} : { cwd }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

Deno.test("tarGz: same bytes whatever the input order; fixed gzip header", async () => {
  const a = await tarGz(FILES);
  const b = await tarGz([...FILES].reverse());
  assert.deepEqual(a, b);
  assert.deepEqual([...a.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  assert.notDeepEqual(await tarGz(FILES, { mtimeSeconds: 499162500 }), a);
});

Deno.test("tarGz: GNU tar lists sorted entries, modes, owners 0 and the fixed mtime", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/x.tgz`,
      await tarGz(FILES, { mtimeSeconds: 499162500, directories: true }),
    );
    const listing = await run("tar", [
      "--utc",
      "--numeric-owner",
      "--quoting-style=literal",
      "-tvzf",
      "x.tgz",
    ], dir);
    const rows = listing.trim().split("\n").map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((r) => r.at(-1)), [
      "B.txt",
      "a.txt",
      "b/",
      "b/z.txt",
      "b/é.txt",
      "bin/",
      "bin/run",
    ]);
    for (const r of rows) {
      assert.equal(r[1], "0/0");
      assert.equal(`${r[3]} ${r[4]}`, "1985-10-26 08:15");
    }
    assert.equal(rows.find((r) => r.at(-1) === "bin/run")![0], "-rwxr-xr-x");
    assert.equal(rows.find((r) => r.at(-1) === "a.txt")![0], "-rw-r--r--");
    assert.equal(rows.find((r) => r.at(-1) === "b/")![0], "drwxr-xr-x");
    await run("tar", ["-xzf", "x.tgz"], dir);
    assert.equal(await Deno.readTextFile(`${dir}/b/é.txt`), "accent\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tar: `first` paths lead, a long path gets a PAX record tar reads", async () => {
  const long = `${"d".repeat(120)}/${"f".repeat(120)}.txt`;
  const t = await tar([...FILES, { path: long, bytes: enc.encode("long") }], {
    first: ["bin/run", "missing"],
  });
  const plain = gunzipSync(await tarGz([{ path: "x", bytes: new Uint8Array() }]));
  assert.equal(plain.byteLength % 512, 0);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/x.tar`, t);
    const names = (await run("tar", ["-tf", "x.tar"], dir)).trim().split("\n");
    assert.equal(names[0], "bin/run");
    assert.ok(names.includes(long));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zip: reproducible, DOS 1980-01-01, Unix modes; Python's zipfile agrees", async () => {
  const a = zip(FILES, { directories: true, first: ["bin/run"] });
  assert.deepEqual(zip([...FILES].reverse(), { directories: true, first: ["bin/run"] }), a);
  const back = unzipSync(a);
  assert.deepEqual(Object.keys(back), [
    "bin/run",
    "B.txt",
    "a.txt",
    "b/",
    "b/z.txt",
    "b/é.txt",
    "bin/",
  ]);
  assert.equal(new TextDecoder().decode(back["b/é.txt"]), "accent\n");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/x.zip`, a);
    const py = await run("python3", [
      "-c",
      "import zipfile,json,sys;z=zipfile.ZipFile(sys.argv[1]);" +
      "print(json.dumps([[i.filename,list(i.date_time),oct(i.external_attr>>16),i.create_system]" +
      " for i in z.infolist()]));assert z.testzip() is None",
      `${dir}/x.zip`,
    ]);
    const infos = JSON.parse(py) as [string, number[], string, number][];
    for (const [, date, , system] of infos) {
      assert.deepEqual(date, [1980, 1, 1, 0, 0, 0]);
      assert.equal(system, 3);
    }
    const modes = Object.fromEntries(infos.map(([n, , m]) => [n, m]));
    assert.equal(modes["bin/run"], "0o100755");
    assert.equal(modes["a.txt"], "0o100644");
    assert.equal(modes["b/"], "0o40755");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zip: the same bytes under any time zone (fflate reads local time)", async () => {
  const script = `import { zip } from "${new URL("./archive.ts", import.meta.url).href}";
const z = zip([{ path: "a", bytes: new Uint8Array([1, 2, 3]) }]);
await Deno.stdout.write(z);`;
  const outs: Uint8Array[] = [];
  for (const tz of ["UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script],
      env: { TZ: tz },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    outs.push(out.stdout);
  }
  for (const o of outs) assert.deepEqual(o, outs[0]);
  // Local file header: DOS time 0, DOS date (0 << 9) | (1 << 5) | 1.
  assert.deepEqual([...outs[0]!.subarray(10, 14)], [0, 0, 0x21, 0]);
});

Deno.test("archives refuse unsafe, repeated and file-and-folder paths (FANOUT_E001)", async () => {
  const bad = ["", "/abs", "a/../b", "./a", "a//b", "a\\b", "a/", "nul\u0000"];
  for (const path of bad) {
    assert.throws(
      () => zip([{ path, bytes: new Uint8Array() }]),
      (e: unknown) => e instanceof MochiError && e.code === "FANOUT_E001",
      JSON.stringify(path),
    );
    await assert.rejects(
      tarGz([{ path, bytes: new Uint8Array() }]),
      (e: unknown) => e instanceof MochiError && e.code === "FANOUT_E001",
    );
  }
  const twice = [{ path: "a", bytes: new Uint8Array() }, { path: "a", bytes: new Uint8Array() }];
  assert.throws(() => zip(twice), /appears twice/);
  const clash = [{ path: "a", bytes: new Uint8Array() }, { path: "a/b", bytes: new Uint8Array() }];
  assert.throws(() => zip(clash), /a file and a folder/);
});

Deno.test("digests: known vectors; makeArtifact fills sha256 and size", () => {
  const abc = enc.encode("abc");
  assert.equal(hashHex("md5", abc), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(hashHex("sha1", abc), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(
    sha256Hex(abc),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.ok(hashHex("sha512", abc).startsWith("ddaf35a193617aba"));
  const art = makeArtifact("npm", "x-1.0.0.tgz", abc, "application/gzip");
  assert.equal(art.sizeBytes, 3);
  assert.equal(art.role, "primary");
  assert.equal(art.sha256, sha256Hex(abc));
  assert.throws(() => makeArtifact("npm", "../x", abc, "application/gzip"), /FANOUT|segment/);
});
