/**
 * The artifacts `mochi pack --target …` writes for the fixture library (`fixtures/fanout/lib`,
 * its mochi.toml through the builder, not a hand-made package) are accepted by the ecosystems' own
 * tools, offline: `pip install --no-index` of the wheel then `import`, `npm install
 * --offline` of the tarball then `node` imports it, `javac`/`java` against the jar, `cargo
 * package --list` and a consumer crate's `cargo run` on the unpacked crate, `deno publish
 * --dry-run` on the unpacked JSR archive. A validator
 * whose tool is absent is skipped and says so.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ROOT, runCli } from "./helpers.ts";

const LIB = `${ROOT}/fixtures/fanout/lib`;

async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  try {
    const o = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
      .output();
    const dec = new TextDecoder();
    return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
  } catch (e) {
    return { code: 127, out: String(e) };
  }
}

async function has(cmd: string, args: string[]): Promise<boolean> {
  return (await run(cmd, args, ROOT)).code === 0;
}

const tools = {
  python: await has("python3", ["-m", "venv", "--help"]),
  npm: await has("npm", ["--version"]) && await has("node", ["--version"]),
  java: await has("javac", ["-version"]) && await has("java", ["-version"]),
  cargo: await has("cargo", ["--version"]),
};
for (const [tool, ok] of Object.entries(tools)) {
  if (!ok) console.warn(`skipped: the ${tool} validator (its tool is absent)`);
}

async function packed(targets: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mochi-fanout-validate-" });
  const cp = await new Deno.Command("cp", { args: ["-R", `${LIB}/.`, dir] }).output();
  assert.ok(cp.success);
  const r = await runCli(["pack", ...targets.flatMap((t) => ["--target", t])], {
    cwd: dir,
    env: { MOCHI_HOME: `${dir}/.home` },
  });
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

Deno.test({
  name: "pip installs the packed wheel offline, and Python imports it",
  ignore: !tools.python,
  async fn() {
    const dir = await packed(["pypi"]);
    try {
      const venv = `${dir}/venv`;
      assert.equal((await run("python3", ["-m", "venv", venv], dir)).code, 0);
      const pip = `${venv}/bin/pip`;
      const env = { PIP_NO_INDEX: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1", HOME: dir };
      const whl = `${dir}/target/fanout/pypi/mochi_greet-0.3.1-py3-none-any.whl`;
      const inst = await run(pip, ["install", "--no-index", whl], dir, env);
      assert.equal(inst.code, 0, inst.out);
      const py = await run(
        `${venv}/bin/python`,
        [
          "-c",
          "import mochi_greet, importlib.metadata as m; print(mochi_greet.greet('Ada'), m.version('mochi-greet'))",
        ],
        dir,
      );
      assert.equal(py.out.trim(), "Hello, Ada! 0.3.1");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "npm installs the packed tarball offline, and node imports it",
  ignore: !tools.npm,
  async fn() {
    const dir = await packed(["npm"]);
    try {
      await Deno.mkdir(`${dir}/app`);
      await Deno.writeTextFile(
        `${dir}/app/package.json`,
        JSON.stringify({ name: "app", version: "0.0.0", private: true, type: "module" }),
      );
      const env = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: dir,
        npm_config_cache: `${dir}/npm-cache`,
        npm_config_registry: "http://127.0.0.1:9/",
        npm_config_update_notifier: "false",
        npm_config_userconfig: `${dir}/npmrc`,
      };
      const inst = await run(
        "npm",
        [
          "install",
          "--offline",
          "--no-audit",
          "--no-fund",
          "../target/fanout/npm/mochi-greet-0.3.1.tgz",
        ],
        `${dir}/app`,
        env,
      );
      assert.equal(inst.code, 0, inst.out);
      const node = await run(
        "node",
        [
          "--input-type=module",
          "-e",
          'import { greet } from "@mochi/greet"; console.log(greet("Ada"));',
        ],
        `${dir}/app`,
        env,
      );
      assert.equal(node.out.trim(), "Hello, Ada!");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "javac compiles against the packed jar and java runs it",
  ignore: !tools.java,
  async fn() {
    const dir = await packed(["maven"]);
    try {
      const jar = `${dir}/target/fanout/maven/greet-0.3.1.jar`;
      await Deno.writeTextFile(
        `${dir}/Use.java`,
        "public class Use { public static void main(String[] a) {" +
          ' System.out.println(dev.mochi.greet.Greet.greet("Ada")); } }\n',
      );
      const c = await run("javac", ["-cp", jar, "-d", `${dir}/classes`, "Use.java"], dir);
      assert.equal(c.code, 0, c.out);
      const r = await run("java", ["-cp", `${jar}:${dir}/classes`, "Use"], dir);
      assert.equal(r.out.trim(), "Hello, Ada!");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cargo lists the unpacked crate and a consumer crate builds and runs against it",
  ignore: !tools.cargo,
  async fn() {
    const dir = await packed(["crates"]);
    try {
      const crate = `${dir}/target/fanout/crates/mochi-greet-0.3.1.crate`;
      assert.equal((await run("tar", ["-xzf", crate], dir)).code, 0);
      const root = `${dir}/mochi-greet-0.3.1`;
      const env = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? dir,
        CARGO_TARGET_DIR: `${dir}/cargo-target`,
        CARGO_TERM_COLOR: "never",
      };
      // cargo refuses a source holding Cargo.toml.orig (it writes that file itself).
      await Deno.rename(`${root}/Cargo.toml.orig`, `${dir}/Cargo.toml.orig`);
      const list = await run(
        "cargo",
        ["package", "--list", "--allow-dirty", "--offline"],
        root,
        env,
      );
      assert.equal(list.code, 0, list.out);
      assert.match(list.out, /^src\/lib\.rs$/m);
      await Deno.mkdir(`${dir}/app/src`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/app/Cargo.toml`,
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n' +
          'mochi-greet = { path = "../mochi-greet-0.3.1" }\n',
      );
      await Deno.writeTextFile(
        `${dir}/app/src/main.rs`,
        'fn main() { println!("{}", mochi_greet::greet("Ada")); }\n',
      );
      const ran = await run("cargo", ["run", "--offline", "--quiet"], `${dir}/app`, env);
      assert.equal(ran.code, 0, ran.out);
      assert.equal(ran.out.trim(), "Hello, Ada!");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("deno publish --dry-run accepts the unpacked JSR archive", async () => {
  const dir = await packed(["jsr"]);
  try {
    const x = `${dir}/jsr-x`;
    await Deno.mkdir(x);
    const untar = await run("tar", [
      "-xzf",
      `${dir}/target/fanout/jsr/mochi-greet-0.3.1.jsr.tgz`,
      "-C",
      x,
    ], dir);
    assert.equal(untar.code, 0, untar.out);
    const r = await run(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"], x, {
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? dir,
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Simulating publish of @mochi\/greet@0\.3\.1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
