/**
 * The Hex packer against Hex's tarball specification (hexpm/specifications `package_tarball.md`,
 * `package_metadata.md`): the outer tar is read with the system `tar`, the inner checksum and the
 * outer checksum are recomputed here, `metadata.config` is read by this test's own Erlang term
 * reader (and by `erl`'s `file:consult/1` where Erlang is installed), and the package's Erlang
 * sources compile with `erlc` and run where Erlang is installed.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { guardedTest } from "./stray.ts";
import { digest, fixturePackage, hasTool, listFiles, run } from "./fanout_native_fixture.ts";
import { erlangBinary, packHex } from "../src/fanout/hex.ts";
import { MochiError } from "../src/errors.ts";

const HAS_ERL = await hasTool("erl", ["-noshell", "-eval", "halt()."]);

type Term = string | boolean | Term[] | [Term, Term];

/** A reader for the subset of Erlang terms Hex metadata uses (binaries, booleans, lists, tuples). */
function parseTerms(text: string): Term[] {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (s: string) => {
    ws();
    if (!text.startsWith(s, i)) throw new Error(`expected ${s} at ${i}: ${text.slice(i, i + 20)}`);
    i += s.length;
  };
  const term = (): Term => {
    ws();
    if (text.startsWith('<<"', i)) {
      i += 3;
      let s = "";
      while (text[i] !== '"') {
        if (text[i] === "\\") {
          const n = text[i + 1]!;
          if (/[0-7]/.test(n)) {
            s += String.fromCharCode(parseInt(text.slice(i + 1, i + 4), 8));
            i += 4;
            continue;
          }
          s += n === "n" ? "\n" : n === "t" ? "\t" : n;
          i += 2;
        } else s += text[i++];
      }
      i++;
      if (text.startsWith("/utf8", i)) i += 5;
      expect(">>");
      return s;
    }
    if (text.startsWith("true", i)) return (i += 4, true);
    if (text.startsWith("false", i)) return (i += 5, false);
    if (text[i] === "[") {
      i++;
      const items: Term[] = [];
      ws();
      if (text[i] === "]") return (i++, items);
      for (;;) {
        items.push(term());
        ws();
        if (text[i] === ",") i++;
        else break;
      }
      expect("]");
      return items;
    }
    if (text[i] === "{") {
      i++;
      const a = term();
      expect(",");
      const b = term();
      expect("}");
      return [a, b] as [Term, Term];
    }
    throw new Error(`unexpected ${text.slice(i, i + 20)}`);
  };
  const out: Term[] = [];
  for (;;) {
    ws();
    if (i >= text.length) return out;
    out.push(term());
    expect(".");
  }
}

async function unpack(bytes: Uint8Array, dir: string): Promise<void> {
  await Deno.writeFile(`${dir}/pkg.tar`, bytes);
  const r = await run("tar", ["xf", `${dir}/pkg.tar`, "-C", dir]);
  assertEquals(r.code, 0, r.stderr);
  await Deno.remove(`${dir}/pkg.tar`);
}

guardedTest(
  "hex: outer tar, VERSION, inner and outer checksums, metadata.config, contents",
  async () => {
    const pkg = await fixturePackage("hex", {
      dependencies: [
        { name: "jason", range: "~> 1.4", kind: "normal" },
        { name: "mochi_strings", range: ">= 0.2.0 and < 0.3.0", kind: "normal" },
        { name: "proper", range: "~> 1.4", kind: "dev" },
      ],
    });
    const [a, ...rest] = await packHex(pkg);
    assertEquals(rest.length, 0);
    assertEquals(a!.fileName, "mochi_greet-0.3.1.tar");
    assertEquals(
      a!.sha256,
      digest("sha256", a!.bytes),
      "the outer checksum is the tarball's SHA-256",
    );
    assertEquals((await packHex(pkg))[0]!.bytes, a!.bytes, "packing twice gives the same bytes");
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeFile(`${dir}/pkg.tar`, a!.bytes);
      const t = await run("tar", ["tvf", `${dir}/pkg.tar`]);
      assertEquals(t.code, 0, t.stderr);
      assertEquals(t.stdout.trim().split("\n").map((l) => l.split(/\s+/).at(-1)), [
        "VERSION",
        "CHECKSUM",
        "metadata.config",
        "contents.tar.gz",
      ]);
      await Deno.remove(`${dir}/pkg.tar`);
      await unpack(a!.bytes, dir);
      const version = await Deno.readFile(`${dir}/VERSION`);
      const metadata = await Deno.readFile(`${dir}/metadata.config`);
      const contents = await Deno.readFile(`${dir}/contents.tar.gz`);
      assertEquals(new TextDecoder().decode(version), "3");
      // The inner checksum (package_tarball.md): SHA-256 of VERSION + metadata.config +
      // contents.tar.gz, uppercase hex.
      const inner = new Uint8Array([...version, ...metadata, ...contents]);
      assertEquals(
        await Deno.readTextFile(`${dir}/CHECKSUM`),
        digest("sha256", inner).toUpperCase(),
      );

      const terms = parseTerms(new TextDecoder().decode(metadata)) as [string, Term][];
      const meta = new Map(terms);
      assertEquals(terms.map(([k]) => k), [...terms.map(([k]) => k)].sort(), "keys in map order");
      for (
        const k of [
          "name",
          "version",
          "app",
          "description",
          "files",
          "licenses",
          "requirements",
          "build_tools",
        ]
      ) {
        assert(meta.has(k), `required key ${k}`);
      }
      assertEquals(meta.get("name"), "mochi_greet");
      assertEquals(meta.get("version"), "0.3.1");
      assertEquals(meta.get("app"), "mochi_greet");
      assertEquals(meta.get("description"), 'Greets people by name ("Hello, Ada!")');
      assertEquals(meta.get("licenses"), ["Apache-2.0", "MIT"]);
      assertEquals(meta.get("build_tools"), ["rebar3"], "rebar.config at the root means rebar3");
      assertEquals(meta.get("links"), [
        ["Homepage", "https://example.com/greet"],
        ["Repository", "https://example.com/mochi/greet"],
      ]);
      assertEquals(meta.get("requirements"), [
        ["jason", [["app", "jason"], ["optional", false], ["repository", "hexpm"], [
          "requirement",
          "~> 1.4",
        ]]],
        ["mochi_strings", [
          ["app", "mochi_strings"],
          ["optional", false],
          ["repository", "hexpm"],
          ["requirement", ">= 0.2.0 and < 0.3.0"],
        ]],
      ], "runtime requirements only, by name");

      await Deno.mkdir(`${dir}/contents`);
      const x = await run("tar", ["xzf", `${dir}/contents.tar.gz`, "-C", `${dir}/contents`]);
      assertEquals(x.code, 0, x.stderr);
      const inside = await listFiles(`${dir}/contents`);
      assertEquals(inside, [
        "README.md",
        "mochi.caps.json",
        "rebar.config",
        "src/greet.erl",
        "src/greet_format.erl",
        "src/mochi_greet.app.src",
      ]);
      assertEquals(meta.get("files"), inside, "files lists exactly the contents");
      for (const f of pkg.files) {
        assertEquals(await Deno.readFile(`${dir}/contents/${f.path}`), f.bytes, f.path);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

guardedTest(
  "hex: Erlang binaries escape quotes, backslashes and controls; non-ASCII is /utf8",
  () => {
    assertEquals(erlangBinary('a"b\\c'), '<<"a\\"b\\\\c">>');
    assertEquals(erlangBinary("line\nnext\u0001"), '<<"line\\nnext\\001">>');
    assertEquals(erlangBinary("José"), '<<"José"/utf8>>');
    const parsed = parseTerms(`{${erlangBinary('x"\\\u0007y')},true}.`);
    assertEquals(parsed, [['x"\\\u0007y', true]]);
  },
);

guardedTest("hex: refusals name the value", async () => {
  const pkg = await fixturePackage("hex");
  const e1 = await assertRejects(() => packHex({ ...pkg, name: "Mochi-Greet" }), MochiError);
  assertEquals(e1.code, "FANOUT_E004");
  const { description: _, ...noDescription } = pkg;
  const e2 = await assertRejects(() => packHex(noDescription), MochiError);
  assertEquals(e2.code, "FANOUT_E008");
  const e5 = await assertRejects(
    () => packHex({ ...pkg, dependencies: [{ name: "Jason", range: "~> 1.4", kind: "normal" }] }),
    MochiError,
  );
  assertEquals(e5.code, "FANOUT_E004");
  const e3 = await assertRejects(() => packHex({ ...pkg, extra: { ap: "x" } }), MochiError);
  assertEquals(e3.code, "FANOUT_E008");
  assert(e3.hint?.includes('"app"'), e3.hint);
  const e4 = await assertRejects(
    () => packHex({ ...pkg, extra: { "build-tools": ["cmake"] } }),
    MochiError,
  );
  assertEquals(e4.code, "FANOUT_E008");
  const [m] = await packHex({ ...pkg, extra: { app: "greet_app", "build-tools": ["mix"] } });
  const text = new TextDecoder().decode(m!.bytes);
  assert(text.includes('{<<"app">>,<<"greet_app">>}.\n'), "app from extra");
  assert(text.includes('{<<"build_tools">>,[<<"mix">>]}.\n'), "build tools from extra");
});

guardedTest({
  name: "hex: erl reads metadata.config with file:consult/1, and the sources compile and run",
  ignore: !HAS_ERL,
  async fn() {
    const [a] = await packHex(await fixturePackage("hex"));
    const dir = await Deno.makeTempDir();
    try {
      await unpack(a!.bytes, dir);
      const consult = await run("erl", [
        "-noshell",
        "-eval",
        `{ok, Terms} = file:consult("${dir}/metadata.config"), ` +
        `M = maps:from_list(Terms), ` +
        `io:format("~s ~s ~p~n", [maps:get(<<"name">>, M), maps:get(<<"version">>, M), length(maps:get(<<"files">>, M))]), halt().`,
      ]);
      assertEquals(consult.code, 0, consult.stderr);
      assertEquals(consult.stdout, "mochi_greet 0.3.1 6\n");
      await Deno.mkdir(`${dir}/c/ebin`, { recursive: true });
      assertEquals((await run("tar", ["xzf", `${dir}/contents.tar.gz`, "-C", `${dir}/c`])).code, 0);
      const erlc = await run("erlc", [
        "-o",
        `${dir}/c/ebin`,
        "src/greet.erl",
        "src/greet_format.erl",
      ], {
        cwd: `${dir}/c`,
      });
      assertEquals(erlc.code, 0, erlc.stderr + erlc.stdout);
      const ran = await run("erl", [
        "-noshell",
        "-pa",
        `${dir}/c/ebin`,
        "-eval",
        'io:format("~s~n~s~n", [greet:greet(" Ada "), greet:greet("")]), halt().',
      ]);
      assertEquals(ran.stdout, "Hello, Ada!\nHello, world!\n", ran.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

guardedTest({
  name:
    "hex: rebar3 builds the unpacked package as a consumer's dependency, offline (where rebar3 is installed)",
  ignore: !(await hasTool("sh", ["-c", "command -v rebar3 && command -v erl"])),
  async fn() {
    const [a] = await packHex(await fixturePackage("hex"));
    const dir = await Deno.makeTempDir();
    try {
      await unpack(a!.bytes, dir);
      // The consumer: an OTP application depending on mochi_greet, found in _checkouts/ (rebar3's
      // local override of a dependency), built with no network.
      const app = `${dir}/app`;
      await Deno.mkdir(`${app}/src`, { recursive: true });
      await Deno.mkdir(`${app}/_checkouts/mochi_greet`, { recursive: true });
      const x = await run("tar", [
        "xzf",
        `${dir}/contents.tar.gz`,
        "-C",
        `${app}/_checkouts/mochi_greet`,
      ]);
      assertEquals(x.code, 0, x.stderr);
      await Deno.writeTextFile(`${app}/rebar.config`, "{deps, [mochi_greet]}.\n");
      await Deno.writeTextFile(
        `${app}/src/app.app.src`,
        '{application, app, [{description, "consumer"}, {vsn, "0.1.0"}, {applications, [kernel, stdlib, mochi_greet]}]}.\n',
      );
      await Deno.writeTextFile(
        `${app}/src/app_main.erl`,
        '-module(app_main).\n-export([main/0]).\nmain() -> io:format("~s~n~s~n", [greet:greet(" Ada "), greet:greet("")]).\n',
      );
      const built = await run("rebar3", ["compile"], {
        cwd: app,
        env: { HOME: `${dir}/home`, REBAR_OFFLINE: "1", PATH: Deno.env.get("PATH") ?? "" },
      });
      assertEquals(built.code, 0, built.stdout + built.stderr);
      const ran = await run("sh", [
        "-c",
        "erl -noshell -pa _build/default/lib/*/ebin _build/default/checkouts/*/ebin -eval 'app_main:main(), halt().'",
      ], { cwd: app });
      assertEquals(ran.stdout, "Hello, Ada!\nHello, world!\n", ran.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
