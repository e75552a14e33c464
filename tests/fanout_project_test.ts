/**
 * `readFanoutProject` on real folders: a Mochi path dependency's own mochi.toml decides its name
 * on each target, and one that does not target the ecosystem refuses the pack.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MochiError } from "../src/errors.ts";
import { buildFanoutPackage } from "../src/fanout/build.ts";
import { readFanoutProject } from "../src/install/fanout.ts";
import { writeArchive } from "../src/store/archive.ts";
import { runCli, serveRegistrySubprocess, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const PKG = (name: string, version: string) =>
  `[package]
name = "${name}"
version = "${version}"
edition = "2026"
mochi = ">=0.7"
`;

async function write(path: string, text: string): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, text);
}

guardedTest("a path dependency is named as its own mochi.toml says on the target", async () => {
  const root = await Deno.makeTempDir({ prefix: "mochi-fanout-deps-" });
  try {
    await write(
      `${root}/words/mochi.toml`,
      PKG("@acme/words", "0.3.1") +
        '[targets.typescript]\nout = "out/ts"\n[targets.python]\nname = "acme-wordlist"\n',
    );
    await write(
      `${root}/app/mochi.toml`,
      PKG("@acme/greet", "1.0.0") +
        '[dependencies]\n"@acme/words" = { path = "../words", version = "^0.3" }\n' +
        '[targets.typescript]\nout = "out/ts"\n[targets.python]\nout = "out/py"\n' +
        '[targets.jvm]\nout = "out/jvm"\ngroup = "org.acme"\n',
    );
    await write(`${root}/app/out/ts/index.js`, "export const greet = () => 'hi';\n");
    await write(`${root}/app/out/py/acme_greet/__init__.py`, "");
    await write(`${root}/app/out/jvm/x.txt`, "x");
    const project = await readFanoutProject(`${root}/app`);
    assert.deepEqual(buildFanoutPackage(project, "npm").dependencies, [
      { name: "@acme/words", range: "^0.3", kind: "normal" },
    ]);
    assert.deepEqual(buildFanoutPackage(project, "pypi").dependencies, [
      { name: "acme-wordlist", range: ">=0.3.0,<0.4.0", kind: "normal" },
    ]);
    assert.throws(
      () => buildFanoutPackage(project, "maven"),
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E005" &&
        /@acme\/words does not target maven/.test(e.message),
    );
    const cli = await runCli(["pack", "--target", "maven"], {
      cwd: `${root}/app`,
      env: { MOCHI_HOME: `${root}/home` },
    });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /FANOUT_E005/);
    const listed = await runCli(["targets"], {
      cwd: `${root}/app`,
      env: { MOCHI_HOME: `${root}/home` },
    });
    assert.equal(listed.code, 1, "a target that cannot be packed fails mochi targets");
    assert.match(listed.stdout, /^maven +\[targets\.jvm\] cannot be packed: FANOUT_E005/m);
    assert.match(listed.stdout, /^pypi +acme-greet 1\.0\.0/m);
    await assert.rejects(Deno.stat(`${root}/app/target`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

guardedTest("a missing out folder and a dependency without a version are refused", async () => {
  const root = await Deno.makeTempDir({ prefix: "mochi-fanout-deps-" });
  try {
    await write(
      `${root}/app/mochi.toml`,
      PKG("@acme/greet", "1.0.0") + '[targets.rust]\nout = "out/rust"\n',
    );
    await assert.rejects(
      readFanoutProject(`${root}/app`),
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E007" && /missing/.test(e.message),
    );
    await write(`${root}/w/mochi.toml`, PKG("@acme/w", "1.0.0") + '[targets.rust]\nout = "o"\n');
    await write(
      `${root}/app/mochi.toml`,
      PKG("@acme/greet", "1.0.0") + '[dependencies]\n"@acme/w" = { path = "../w" }\n' +
        '[targets.rust]\nout = "out/rust"\n',
    );
    await write(`${root}/app/out/rust/src/lib.rs`, "");
    const project = await readFanoutProject(`${root}/app`);
    assert.throws(
      () => buildFanoutPackage(project, "crates"),
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E003" && /no version/.test(e.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

guardedTest(
  "an out folder or override reached through a symlink outside the project is refused",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-fanout-deps-" });
    try {
      await write(`${root}/outside/ts/index.js`, "export {};\n");
      await write(`${root}/outside/secret.txt`, "secret\n");
      await write(
        `${root}/app/mochi.toml`,
        PKG("@acme/greet", "1.0.0") + '[targets.typescript]\nout = "build/ts"\n',
      );
      await Deno.symlink(`${root}/outside`, `${root}/app/build`);
      await assert.rejects(
        readFanoutProject(`${root}/app`),
        (e: unknown) =>
          e instanceof MochiError && e.code === "FANOUT_E007" &&
          /outside the project/.test(e.message),
      );
      await Deno.remove(`${root}/app/build`);
      await write(`${root}/app/build/ts/index.js`, "export {};\n");
      await Deno.symlink(`${root}/outside`, `${root}/app/ov`);
      await write(
        `${root}/app/mochi.toml`,
        PKG("@acme/greet", "1.0.0") +
          '[targets.typescript]\nout = "build/ts"\n[targets.typescript.overrides]\n"a.txt" = "ov/secret.txt"\n',
      );
      await assert.rejects(
        readFanoutProject(`${root}/app`),
        (e: unknown) =>
          e instanceof MochiError && e.code === "FANOUT_E007" && /override source/.test(e.message),
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

guardedTest(
  "a registry dependency is named from its store copy only while the copy is intact",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-fanout-store-" });
    try {
      const archive = await writeArchive([{
        path: "mochi.toml",
        bytes: new TextEncoder().encode(
          PKG("@acme/words", "0.3.1") + '[targets.python]\nname = "acme-wordlist"\n',
        ),
      }]);
      await writeRegistry(`${root}/reg`, [{ name: "@acme/words", version: "0.3.1", archive }]);
      await using served = await serveRegistrySubprocess(`${root}/reg`);
      await write(
        `${root}/app/mochi.toml`,
        PKG("@acme/greet", "1.0.0") + '[dependencies]\n"@acme/words" = "^0.3"\n' +
          '[targets.python]\nout = "out/py"\n',
      );
      await write(`${root}/app/out/py/acme_greet/__init__.py`, "");
      const home = `${root}/home`;
      const install = await runCli(["install"], {
        cwd: `${root}/app`,
        env: { MOCHI_HOME: home, MOCHI_REGISTRY: served.url },
      });
      assert.equal(install.code, 0, install.stderr);
      const project = await readFanoutProject(`${root}/app`, { mochiHome: home });
      assert.deepEqual(buildFanoutPackage(project, "pypi").dependencies, [
        { name: "acme-wordlist", range: ">=0.3.0,<0.4.0", kind: "normal" },
      ]);
      // Someone edits the extracted copy: it no longer matches its recorded tree digest, so it
      // names nothing and the pack is refused rather than trusting it.
      const extracted = `${home}/store/extracted`;
      for await (const e of Deno.readDir(extracted)) {
        if (!e.isDirectory) continue;
        const file = `${extracted}/${e.name}/mochi.toml`;
        await Deno.chmod(`${extracted}/${e.name}`, 0o755);
        await Deno.chmod(file, 0o644);
        await Deno.writeTextFile(
          file,
          PKG("@acme/words", "0.3.1") + '[targets.python]\nname = "evil-wordlist"\n',
        );
      }
      const tampered = await readFanoutProject(`${root}/app`, { mochiHome: home });
      assert.throws(
        () => buildFanoutPackage(tampered, "pypi"),
        (e: unknown) => e instanceof MochiError && e.code === "FANOUT_E005",
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
