/**
 * The NuGet packer against the published formats (there is no NuGet toolchain on this machine):
 * the `.nupkg` is read with the system `unzip`; the nuspec is validated against NuGet's own
 * `nuspec.xsd` (NuGet.Client, copied to `fixtures/fanout/specs/`) with libxml2's validator
 * (`xmllint-wasm`); the OPC parts (`[Content_Types].xml`, `_rels/.rels`, the core properties)
 * are checked against ECMA-376 part 2 and NuGet's `PackageBuilder`, with the relationship ids
 * and the core-properties part name recomputed here with SHA-512; the assembly is byte-identical
 * to the compiler output, and where Mono is installed a C# program compiled against the
 * assembly taken from the package runs.
 */
import { validateXML } from "xmllint-wasm";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { guardedTest } from "./stray.ts";
import {
  digest,
  FIXTURE_LIB,
  fixturePackage,
  hasTool,
  listFiles,
  run,
} from "./fanout_native_fixture.ts";
import { packNuget } from "../src/fanout/nuget.ts";
import { MochiError } from "../src/errors.ts";

const HAS_MONO = await hasTool("mcs", ["--version"]) && await hasTool("mono", ["--version"]);
const XSD = await Deno.readTextFile(`${FIXTURE_LIB}/../specs/nuspec.xsd`);

async function nuspecProblems(xml: string): Promise<string[]> {
  const r = await validateXML({
    xml: [{ fileName: "package.nuspec", contents: xml }],
    schema: [{ fileName: "nuspec.xsd", contents: XSD }],
  });
  return r.valid ? [] : r.errors.map((e) => e.message);
}

async function unzip(bytes: Uint8Array, dir: string): Promise<string[]> {
  await Deno.writeFile(`${dir}/p.zip`, bytes);
  const l = await run("unzip", ["-Z1", `${dir}/p.zip`]);
  assertEquals(l.code, 0, l.stderr);
  const x = await run("unzip", ["-q", `${dir}/p.zip`, "-d", `${dir}/x`]);
  assertEquals(x.code, 0, x.stderr);
  await Deno.remove(`${dir}/p.zip`);
  return l.stdout.trim().split("\n");
}

guardedTest(
  "nuget: the .nupkg's OPC parts, nuspec (valid against nuspec.xsd) and files",
  async () => {
    const pkg = await fixturePackage("nuget", {
      dependencies: [
        { name: "Newtonsoft.Json", range: "[13.0.1, 14.0.0)", kind: "normal" },
        { name: "Mochi.Strings", range: "[0.2.0, 0.3.0)", kind: "normal" },
        { name: "xunit", range: "[2.4.0, )", kind: "dev" },
      ],
    });
    const [a, ...rest] = await packNuget(pkg);
    assertEquals(rest.length, 0);
    assertEquals(a!.fileName, "Mochi.Greet.0.3.1.nupkg");
    assertEquals(a!.sha256, digest("sha256", a!.bytes));
    assertEquals((await packNuget(pkg))[0]!.bytes, a!.bytes, "packing twice gives the same bytes");
    const dir = await Deno.makeTempDir();
    try {
      const entries = await unzip(a!.bytes, dir);
      const x = `${dir}/x`;
      const files = [
        "README.md",
        "lib/net45/Mochi.Greet.dll",
        "lib/net45/Mochi.Greet.xml",
        "mochi.caps.json",
      ];
      // The psmdcp name: the first 32 hex digits of SHA-512 over every package file's bytes, in
      // order (PackageBuilder.CalcPsmdcpName, deterministic mode).
      const all = new Uint8Array(
        (await Promise.all(files.map((f) => Deno.readFile(`${x}/${f}`)))).flatMap((b) => [...b]),
      );
      const psmdcp = `package/services/metadata/core-properties/${
        digest("sha512", all).toUpperCase().slice(0, 32)
      }.psmdcp`;
      assertEquals(entries.slice(0, 2), ["_rels/.rels", "Mochi.Greet.nuspec"]);
      assertEquals(
        [...entries].sort(),
        [
          "Mochi.Greet.nuspec",
          ...files,
          "[Content_Types].xml",
          "_rels/.rels",
          psmdcp,
        ].sort(),
      );
      for (const f of pkg.files) {
        assertEquals(await Deno.readFile(`${x}/${f.path}`), f.bytes, f.path);
      }

      const nuspec = await Deno.readTextFile(`${x}/Mochi.Greet.nuspec`);
      assertEquals(await nuspecProblems(nuspec), []);
      for (
        const want of [
          "<id>Mochi.Greet</id>",
          "<version>0.3.1</version>",
          "<authors>Ada Lovelace &lt;ada@example.com&gt;, Mochi Authors</authors>",
          '<license type="expression">Apache-2.0 OR MIT</license>',
          "<readme>README.md</readme>",
          "<description>Greets people by name (&quot;Hello, Ada!&quot;)</description>",
          "<tags>greeting hello</tags>",
          '<repository type="git" url="https://example.com/mochi/greet" />',
          '<group targetFramework="net45">\n' +
          '        <dependency id="Mochi.Strings" version="[0.2.0, 0.3.0)" exclude="Build,Analyzers" />\n' +
          '        <dependency id="Newtonsoft.Json" version="[13.0.1, 14.0.0)" exclude="Build,Analyzers" />\n' +
          "      </group>",
        ]
      ) assert(nuspec.includes(want), `${want}\n---\n${nuspec}`);
      assert(!nuspec.includes("xunit"), "dev dependencies are not published");

      // _rels/.rels: the manifest and core-properties relationships, ids R + SHA-512 prefix.
      const rels = await Deno.readTextFile(`${x}/_rels/.rels`);
      const relId = (target: string) =>
        `R${digest("sha512", new TextEncoder().encode(target)).toUpperCase().slice(0, 16)}`;
      assert(rels.includes('xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'));
      assert(
        rels.includes(
          `Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/Mochi.Greet.nuspec" Id="${
            relId("/Mochi.Greet.nuspec")
          }"`,
        ),
        rels,
      );
      assert(
        rels.includes(
          `Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/${psmdcp}" Id="${
            relId(`/${psmdcp}`)
          }"`,
        ),
        rels,
      );

      // [Content_Types].xml: a Default for every extension in the package (OPC: every part has a
      // content type).
      const types = await Deno.readTextFile(`${x}/[Content_Types].xml`);
      assert(
        types.includes('xmlns="http://schemas.openxmlformats.org/package/2006/content-types"'),
      );
      const defaults = [...types.matchAll(/<Default Extension="([^"]+)" ContentType="([^"]+)"/g)]
        .map((m) => [m[1]!.toLowerCase(), m[2]!]);
      const declared = new Map(defaults as [string, string][]);
      assertEquals(declared.size, defaults.length, "one Default per extension");
      for (const e of entries) {
        if (e === "[Content_Types].xml") continue;
        const ext = e.split("/").at(-1)!.split(".").at(-1)!.toLowerCase();
        assert(declared.has(ext), `no content type for ${e}`);
      }
      assertEquals(
        declared.get("rels"),
        "application/vnd.openxmlformats-package.relationships+xml",
      );
      assertEquals(
        declared.get("psmdcp"),
        "application/vnd.openxmlformats-package.core-properties+xml",
      );

      // The core properties.
      const core = await Deno.readTextFile(`${x}/${psmdcp}`);
      for (
        const want of [
          'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"',
          "<dc:identifier>Mochi.Greet</dc:identifier>",
          "<version>0.3.1</version>",
          "<dc:creator>Ada Lovelace &lt;ada@example.com&gt;, Mochi Authors</dc:creator>",
          "<keywords>greeting hello</keywords>",
        ]
      ) assert(core.includes(want), `${want}\n---\n${core}`);
      assertEquals(await listFiles(x), [...entries].sort());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

guardedTest(
  "nuget: nuspec.xsd refuses what the packer must never write (the validator bites)",
  async () => {
    const good = `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>A</id><version>1.0.0</version><authors>x</authors><description>d</description></metadata></package>`;
    assertEquals(await nuspecProblems(good), []);
    assert((await nuspecProblems(good.replace("<authors>x</authors>", ""))).length > 0);
    assert((await nuspecProblems(good.replace("<id>A</id>", "<id>A</id><id>B</id>"))).length > 0);
  },
);

guardedTest("nuget: refusals, escaping and files without an extension", async () => {
  const pkg = await fixturePackage("nuget");
  const e1 = await assertRejects(() => packNuget({ ...pkg, name: "Mochi Greet" }), MochiError);
  assertEquals(e1.code, "FANOUT_E004");
  const e2 = await assertRejects(() => packNuget({ ...pkg, authors: [] }), MochiError);
  assertEquals(e2.code, "FANOUT_E008");
  const loose = [...pkg.files, {
    path: "Greet.dll",
    bytes: new Uint8Array([1]),
    executable: false,
  }];
  const e3 = await assertRejects(() => packNuget({ ...pkg, files: loose }), MochiError);
  assertEquals(e3.code, "FANOUT_E008");
  assert(e3.message.includes('"Greet.dll"'), e3.message);
  const e4 = await assertRejects(
    () => packNuget({ ...pkg, description: "bell \u0007" }),
    MochiError,
  );
  assertEquals(e4.code, "FANOUT_E008");
  const e6 = await assertRejects(
    () =>
      packNuget({ ...pkg, dependencies: [{ name: "a b", range: "[1.0.0, )", kind: "normal" }] }),
    MochiError,
  );
  assertEquals(e6.code, "FANOUT_E004");
  const e5 = await assertRejects(() => packNuget({ ...pkg, extra: { copyrite: "x" } }), MochiError);
  assert(e5.hint?.includes('"copyright"'), e5.hint);

  const odd = await fixturePackage("nuget", {
    description: "<b>&</b>",
    files: [...pkg.files, { path: "tools/LICENSE", bytes: new Uint8Array([1]), executable: false }],
    extra: { copyright: "© 2026 Ada", title: "Greet" },
  });
  const [a] = await packNuget(odd);
  const dir = await Deno.makeTempDir();
  try {
    await unzip(a!.bytes, dir);
    const nuspec = await Deno.readTextFile(`${dir}/x/Mochi.Greet.nuspec`);
    assertEquals(await nuspecProblems(nuspec), []);
    assert(nuspec.includes("<description>&lt;b&gt;&amp;&lt;/b&gt;</description>"), nuspec);
    assert(nuspec.includes("<copyright>© 2026 Ada</copyright>"), nuspec);
    const types = await Deno.readTextFile(`${dir}/x/[Content_Types].xml`);
    assert(
      types.includes('<Override PartName="/tools/LICENSE" ContentType="application/octet" />'),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest({
  name: "nuget: a C# program compiled against the packaged assembly runs (Mono)",
  ignore: !HAS_MONO,
  async fn() {
    const [a] = await packNuget(await fixturePackage("nuget"));
    const dir = await Deno.makeTempDir();
    try {
      await unzip(a!.bytes, dir);
      await Deno.copyFile(`${dir}/x/lib/net45/Mochi.Greet.dll`, `${dir}/Mochi.Greet.dll`);
      await Deno.writeTextFile(
        `${dir}/Use.cs`,
        'class Use { static void Main() { System.Console.WriteLine(Mochi.Greet.Greeter.Greet(" Ada ")); System.Console.WriteLine(Mochi.Greet.Greeter.Greet("")); } }\n',
      );
      const c = await run("mcs", ["-r:Mochi.Greet.dll", "-out:Use.exe", "Use.cs"], { cwd: dir });
      assertEquals(c.code, 0, c.stdout + c.stderr);
      const r = await run("mono", ["Use.exe"], { cwd: dir });
      assertEquals(r.stdout, "Hello, Ada!\nHello, world!\n", r.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

guardedTest({
  name:
    "nuget: NuGet's own client installs the package and resolves its dependency range from a folder source",
  // `nuget help` never exits under Mono once its output is read, so probe the PATH instead.
  ignore: !(await hasTool("sh", ["-c", "command -v nuget"])),
  async fn() {
    const greet = await fixturePackage("nuget", {
      dependencies: [{ name: "Mochi.Strings", range: "[0.2.0, 0.3.0)", kind: "normal" }],
    });
    // A stand-in for the dependency, packed by the same packer: 0.2.5 is in the range, 0.3.0 not.
    const strings = (version: string) =>
      fixturePackage("nuget", {
        name: "Mochi.Strings",
        version,
        files: [{
          path: "lib/net45/Mochi.Strings.xml",
          bytes: new TextEncoder().encode(`<doc>${version}</doc>\n`),
          executable: false,
        }],
      });
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/source`);
      for (const p of [greet, await strings("0.2.5"), await strings("0.3.0")]) {
        const [a] = await packNuget(p);
        await Deno.writeFile(`${dir}/source/${a!.fileName}`, a!.bytes);
      }
      const r = await run("nuget", [
        "install",
        "Mochi.Greet",
        "-Version",
        "0.3.1",
        "-Source",
        `${dir}/source`,
        "-OutputDirectory",
        `${dir}/out`,
        "-NonInteractive",
      ], { cwd: dir, env: { HOME: `${dir}/home` } });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const installed = await listFiles(`${dir}/out`);
      for (
        const f of [
          "Mochi.Greet.0.3.1/lib/net45/Mochi.Greet.dll",
          "Mochi.Greet.0.3.1/README.md",
          "Mochi.Strings.0.2.5/lib/net45/Mochi.Strings.xml",
        ]
      ) assert(installed.includes(f), `${f} in ${installed.join(", ")}`);
      assert(
        !installed.some((f) => f.startsWith("Mochi.Strings.0.3.0/")),
        "0.3.0 is outside the range",
      );
      assertEquals(
        await Deno.readFile(`${dir}/out/Mochi.Greet.0.3.1/lib/net45/Mochi.Greet.dll`),
        greet.files.find((f) => f.path.endsWith(".dll"))!.bytes,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
