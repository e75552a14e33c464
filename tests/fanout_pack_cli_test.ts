/**
 * `mochi pack --target …` and `mochi targets` on the fixture library (`fixtures/fanout/lib`), as
 * real CLI subprocesses: all eight targets pack twice (and from another folder) byte-identically,
 * the selection is strict, and a failed pack leaves the previous output whole.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ROOT, runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const LIB = `${ROOT}/fixtures/fanout/lib`;

/** Every file under `dir/target/fanout`, relative path → SHA-256. */
async function fanoutDigests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(`${d}/${e.name}`, r);
      else {
        out.set(
          r,
          createHash("sha256").update(await Deno.readFile(`${d}/${e.name}`)).digest("hex"),
        );
      }
    }
  };
  await walk(`${dir}/target/fanout`, "");
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function libCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mochi-fanout-" });
  const out = await new Deno.Command("cp", { args: ["-R", `${LIB}/.`, dir] }).output();
  assert.ok(out.success, "cp -R of the fixture library");
  return dir;
}

guardedTest(
  "mochi pack --target all: eight targets, twice and elsewhere, byte-identical",
  async () => {
    const a = await libCopy();
    const b = await libCopy();
    try {
      const env = { MOCHI_HOME: `${a}/.home` };
      const first = await runCli(["pack", "--target", "all"], { cwd: a, env });
      assert.equal(first.code, 0, first.stderr);
      const one = await fanoutDigests(a);
      const ecosystems = new Set([...one.keys()].map((p) => p.split("/")[0]));
      assert.deepEqual(
        [...ecosystems].sort(),
        ["crates", "hex", "jsr", "maven", "npm", "nuget", "pypi", "swiftpm"],
      );
      for (
        const f of [
          "npm/mochi-greet-0.3.1.tgz",
          "pypi/mochi_greet-0.3.1-py3-none-any.whl",
          "pypi/mochi_greet-0.3.1.tar.gz",
          "maven/greet-0.3.1.jar",
          "maven/greet-0.3.1.pom",
          "nuget/Mochi.Greet.0.3.1.nupkg",
          "crates/mochi-greet-0.3.1.crate",
          "hex/mochi_greet-0.3.1.tar",
        ]
      ) assert.ok(one.has(f), `${f} in ${[...one.keys()].join(", ")}`);
      for (
        const line of ["npm @mochi/greet 0.3.1", "maven dev.mochi:greet 0.3.1", "pypi mochi-greet"]
      ) {
        assert.ok(first.stdout.includes(`Packed ${line}`), first.stdout);
      }
      const second = await runCli(["pack", "--target", "all"], { cwd: a, env });
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(await fanoutDigests(a), one, "the same folder packs the same bytes");
      const other = await runCli(["pack", "--target", "all"], {
        cwd: b,
        env: { MOCHI_HOME: `${b}/.home`, TZ: "Asia/Kathmandu" },
      });
      assert.equal(other.code, 0, other.stderr);
      assert.deepEqual(await fanoutDigests(b), one, "another folder and time zone, the same bytes");
    } finally {
      await Deno.remove(a, { recursive: true });
      await Deno.remove(b, { recursive: true });
    }
  },
);

guardedTest(
  "mochi targets lists each ecosystem's name, version and artifacts; writes nothing",
  async () => {
    const dir = await libCopy();
    try {
      const r = await runCli(["targets"], { cwd: dir, env: { MOCHI_HOME: `${dir}/.home` } });
      assert.equal(r.code, 0, r.stderr);
      for (
        const want of [
          /^npm +@mochi\/greet 0\.3\.1 from target\/typescript/m,
          /^jsr +@mochi\/greet 0\.3\.1/m,
          /^pypi +mochi-greet 0\.3\.1/m,
          /^maven +dev\.mochi:greet 0\.3\.1/m,
          /^nuget +Mochi\.Greet 0\.3\.1/m,
          /^crates +mochi-greet 0\.3\.1/m,
          /^hex +mochi_greet 0\.3\.1/m,
          /^swiftpm +mochi\.greet 0\.3\.1/m,
          /mochi_greet-0\.3\.1-py3-none-any\.whl \d+ bytes sha256:[0-9a-f]{64}/,
        ]
      ) assert.match(r.stdout, want);
      await assert.rejects(Deno.stat(`${dir}/target/fanout`), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

guardedTest(
  "mochi pack --target: repeatable, strict, and a failed pack keeps the old output",
  async () => {
    const dir = await libCopy();
    try {
      const env = { MOCHI_HOME: `${dir}/.home` };
      const two = await runCli(["pack", "--target", "pypi", "--target", "npm"], { cwd: dir, env });
      assert.equal(two.code, 0, two.stderr);
      const before = await fanoutDigests(dir);
      assert.deepEqual([...new Set([...before.keys()].map((p) => p.split("/")[0]))], [
        "npm",
        "pypi",
      ]);

      const typo = await runCli(["pack", "--target", "pipy"], { cwd: dir, env });
      assert.equal(typo.code, 1);
      assert.match(typo.stderr, /FANOUT_E011/);
      assert.match(typo.stderr, /did you mean "pypi"/);

      // Break the python output (a symlink is refused): nothing of the old output changes.
      await Deno.symlink("/etc/passwd", `${dir}/target/python/mochi_greet/leak.py`);
      const broken = await runCli(["pack", "--target", "npm", "--target", "pypi"], {
        cwd: dir,
        env,
      });
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /FANOUT_E007/);
      assert.match(broken.stderr, /symlink/);
      assert.deepEqual(await fanoutDigests(dir), before);
      const leftovers = [...Deno.readDirSync(`${dir}/target/fanout`)].map((e) => e.name).sort();
      assert.deepEqual(leftovers, ["npm", "pypi"], "no temp folders left behind");

      // A project that does not opt into a target is told so.
      const toml = (await Deno.readTextFile(`${dir}/mochi.toml`)).replace(
        /\[targets\.rust\][\s\S]*?\[targets\.beam\]/,
        "[targets.beam]",
      );
      await Deno.writeTextFile(`${dir}/mochi.toml`, toml);
      const crates = await runCli(["pack", "--target", "crates"], { cwd: dir, env });
      assert.equal(crates.code, 1);
      assert.match(crates.stderr, /does not target crates/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** Entry names of an archive, listed by the system's tar or Python's zipfile (not our readers). */
async function entries(path: string): Promise<string[]> {
  const zipLike = /\.(whl|jar|nupkg|zip)$/.test(path);
  const args = zipLike
    ? [
      "python3",
      "-c",
      "import sys,zipfile;print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
      path,
    ]
    : ["tar", /\.(tgz|tar\.gz|crate)$/.test(path) ? "-tzf" : "-tf", path];
  const out = await new Deno.Command(args[0]!, { args: args.slice(1), stdout: "piped" }).output();
  assert.ok(out.success, path);
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

guardedTest("every artifact carries its target's lowering of the locked capabilities", async () => {
  const dir = await libCopy();
  try {
    const r = await runCli(["pack", "--target", "all"], {
      cwd: dir,
      env: { MOCHI_HOME: `${dir}/.home` },
    });
    assert.equal(r.code, 0, r.stderr);
    const fan = `${dir}/target/fanout`;
    const want: [string, string][] = [
      ["npm/mochi-greet-0.3.1.tgz", "package/mochi.caps.json"],
      ["jsr/mochi-greet-0.3.1.jsr.tgz", "deno.json"],
      ["pypi/mochi_greet-0.3.1-py3-none-any.whl", "mochi_caps.json"],
      ["maven/greet-0.3.1.jar", "mochi.caps.json"],
      ["nuget/Mochi.Greet.0.3.1.nupkg", "mochi.caps.json"],
      ["crates/mochi-greet-0.3.1.crate", "mochi.caps.json"],
      ["swiftpm/greet-0.3.1.zip", "mochi.caps.json"],
    ];
    for (const [file, cap] of want) {
      const names = await entries(`${fan}/${file}`);
      assert.ok(
        names.some((n) => n === cap || n.endsWith(`/${cap}`)),
        `${cap} in ${file}: ${names}`,
      );
    }
    // Hex: the capability file is inside the outer tar's contents.tar.gz.
    const x = `${dir}/hex-x`;
    await Deno.mkdir(x);
    const untar = await new Deno.Command("tar", {
      args: ["-xf", `${fan}/hex/mochi_greet-0.3.1.tar`, "-C", x],
    }).output();
    assert.ok(untar.success);
    assert.ok((await entries(`${x}/contents.tar.gz`)).includes("mochi.caps.json"));
    // The file says what it lowers: the fixture's `env`.
    const py = await new Deno.Command("python3", {
      args: [
        "-c",
        "import sys,zipfile,json;z=zipfile.ZipFile(sys.argv[1]);n=[n for n in z.namelist() if n.endswith('/mochi_caps.json')][0];print(json.dumps(json.loads(z.read(n))['capabilities']))",
        `${fan}/pypi/mochi_greet-0.3.1-py3-none-any.whl`,
      ],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(py.stdout).trim(), '["env"]');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
