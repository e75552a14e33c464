/**
 * Escapes of issue 11 through the real CLI: a capability scope carrying shell text (item 1), a
 * path scope climbing out with `..` and a package rewriting the lock that grants it (item 2),
 * and a package reading a file outside the project through the module graph (item 3).
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, type TestVersion, writeProject, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

interface World {
  tmp: string;
  env: Record<string, string>;
}

async function withWorld(versions: TestVersion[], fn: (w: World) => Promise<void>) {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "mochi-escape-" }));
  try {
    await writeRegistry(`${tmp}/registry`, versions);
    await fn({
      tmp,
      env: {
        MOCHI_HOME: `${tmp}/home`,
        MOCHI_REGISTRY: `${tmp}/registry`,
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      },
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function denoTask(cwd: string, env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd,
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

guardedTest(
  "a scope with shell text is refused from the index and from a lock; deno task start carries no scope",
  async () => {
    const marker = "PWNED";
    const hostile = `fs.read:./x'$(touch ${marker})'`;
    await withWorld([
      { name: "evil", version: "1.0.0", capabilities: [hostile] },
      { name: "good", version: "1.0.0", capabilities: ["fs.read:./x"] },
    ], async (w) => {
      // From the index: mochi lock refuses the record and writes nothing.
      const evil = `${w.tmp}/evil`;
      await writeProject(evil, { evil: "1" });
      const locked = await runCli(["lock", "-C", evil], { env: w.env });
      assert(locked.code !== 0, locked.stderr);
      assert(locked.stderr.includes("INDEX_E001"), locked.stderr);
      assert(!(await exists(`${evil}/mochi.lock`)), "a lock was written");

      // From a lock (a hostile lock diff): lower and run refuse it, nothing runs.
      const project = `${w.tmp}/app`;
      await writeProject(project, { good: "1" });
      assertEquals((await runCli(["lock", "-C", project], { env: w.env })).code, 0);
      await Deno.mkdir(`${project}/x`);
      await Deno.writeTextFile(`${project}/x/in.txt`, "granted\n");
      await Deno.writeTextFile(
        `${project}/main.ts`,
        'console.log(Deno.readTextFileSync("x/in.txt").trim());\n',
      );
      const good = await Deno.readTextFile(`${project}/mochi.lock`);
      await Deno.writeTextFile(
        `${project}/mochi.lock`,
        good.replace('"fs.read:./x"', JSON.stringify(hostile)),
      );
      const lowered = await runCli(["lower", "--target", "deno", "-C", project], { env: w.env });
      assert(lowered.code !== 0 && lowered.stderr.includes("LOCK_E005"), lowered.stderr);
      assert(!(await exists(`${project}/deno.json`)), "deno.json was written");
      const ran = await runCli(["run", "-C", project, "main.ts"], { env: w.env });
      assert(ran.code !== 0 && ran.stderr.includes("LOCK_E005"), ran.stderr);

      // The honest lock: the task grants through permissions.default, its command has no scope.
      await Deno.writeTextFile(`${project}/mochi.lock`, good);
      const ok = await runCli(["lower", "--target", "deno", "-C", project], { env: w.env });
      assertEquals(ok.code, 0, ok.stderr);
      const doc = JSON.parse(await Deno.readTextFile(`${project}/deno.json`));
      assertEquals(doc.permissions.default.read, ["./x"]);
      const command: string = doc.tasks.start.command;
      assert(command.startsWith("deno run -P ") && !command.includes("./x"), command);
      const task = await denoTask(project, w.env);
      assertEquals(task.code, 0, task.stderr);
      assertEquals(task.stdout.trim(), "granted");
      assert(!(await exists(`${project}/${marker}`)) && !(await exists(`${evil}/${marker}`)));
    });
  },
);

guardedTest(
  "a .. scope passes no pin, and package code cannot rewrite mochi.lock, mochi.toml or deno.json",
  async () => {
    await withWorld([
      { name: "climber", version: "1.0.0", capabilities: ["fs.read:./data/../.."] },
      { name: "writer", version: "1.0.0", capabilities: ["fs.write:.", "fs.read:."] },
    ], async (w) => {
      // The pin names ./data; the dependency's ./data/../.. is refused, not covered.
      const pinned = `${w.tmp}/pinned`;
      await Deno.mkdir(pinned, { recursive: true });
      await Deno.writeTextFile(
        `${pinned}/mochi.toml`,
        [
          "[package]",
          'name = "app"',
          'version = "0.1.0"',
          'edition = "2026"',
          'mochi = ">=0.7"',
          "",
          "[dependencies]",
          'climber = { version = "1", capabilities = ["fs.read:./data"] }',
          "",
        ].join("\n"),
      );
      const locked = await runCli(["lock", "-C", pinned], { env: w.env });
      assert(locked.code !== 0 && locked.stderr.includes("INDEX_E001"), locked.stderr);
      assert(locked.stderr.includes('".."'), locked.stderr);
      assert(!(await exists(`${pinned}/mochi.lock`)));

      // A package granted the whole project directory still cannot write the files that grant it.
      const project = `${w.tmp}/app`;
      await writeProject(project, { writer: "1" });
      assertEquals((await runCli(["lock", "-C", project], { env: w.env })).code, 0);
      assertEquals(
        (await runCli(["lower", "--target", "deno", "-C", project], { env: w.env })).code,
        0,
      );
      await Deno.writeTextFile(
        `${project}/main.ts`,
        [
          "const out: Record<string, string> = {};",
          'for (const f of ["scratch.txt", "mochi.lock", "mochi.toml", "deno.json"]) {',
          "  try {",
          '    Deno.writeTextFileSync(f, "rewritten");',
          '    out[f] = "wrote";',
          "  } catch (e) {",
          "    out[f] = (e as Error).name;",
          "  }",
          "}",
          "try {",
          '  Deno.renameSync("scratch.txt", "mochi.lock");',
          '  out.rename = "renamed";',
          "} catch (e) {",
          "  out.rename = (e as Error).name;",
          "}",
          "console.log(JSON.stringify(out));",
          "",
        ].join("\n"),
      );
      const before = await Promise.all(
        ["mochi.lock", "mochi.toml", "deno.json"].map((f) => Deno.readTextFile(`${project}/${f}`)),
      );
      const expected = {
        "scratch.txt": "wrote",
        "mochi.lock": "NotCapable",
        "mochi.toml": "NotCapable",
        "deno.json": "NotCapable",
        rename: "NotCapable",
      };
      const ran = await runCli(["run", "-C", project, "main.ts"], { env: w.env });
      assertEquals(ran.code, 0, ran.stderr);
      assertEquals(JSON.parse(ran.stdout), expected);
      const task = await denoTask(project, w.env);
      assertEquals(task.code, 0, task.stderr);
      assertEquals(JSON.parse(task.stdout), expected);
      const after = await Promise.all(
        ["mochi.lock", "mochi.toml", "deno.json"].map((f) => Deno.readTextFile(`${project}/${f}`)),
      );
      assertEquals(after, before);
    });
  },
);

guardedTest(
  "mochi run refuses a program whose module graph imports a secret outside the project; computed imports stay read-checked",
  async () => {
    await withWorld([{ name: "thief", version: "1.0.0" }], async (w) => {
      const secret = "-----BEGIN FAKE KEY----- planted outside the project";
      await Deno.mkdir(`${w.tmp}/home-of-user/.ssh`, { recursive: true });
      await Deno.writeTextFile(`${w.tmp}/home-of-user/.ssh/id_rsa`, secret);
      const project = `${w.tmp}/app`;
      await writeProject(project, { thief: "1" });
      assertEquals((await runCli(["lock", "-C", project], { env: w.env })).code, 0);
      await Deno.mkdir(`${project}/packages/thief`, { recursive: true });
      const up = "../../../home-of-user/.ssh/id_rsa";
      const variants: Record<string, string> = {
        static: `import key from "${up}" with { type: "text" };\nexport const steal = () => key;\n`,
        literal:
          `export const steal = async () =>\n  (await import("${up}", { with: { type: "text" } })).default;\n`,
        symlink:
          `import key from "./link.txt" with { type: "text" };\nexport const steal = () => key;\n`,
      };
      await Deno.symlink(`${w.tmp}/home-of-user/.ssh/id_rsa`, `${project}/packages/thief/link.txt`);
      await Deno.writeTextFile(
        `${project}/main.ts`,
        'import { steal } from "./packages/thief/mod.ts";\nconsole.log(await steal());\n',
      );
      for (const [name, code] of Object.entries(variants)) {
        await Deno.writeTextFile(`${project}/packages/thief/mod.ts`, code);
        for (const extra of [[], ["--isolate"]]) {
          const r = await runCli(["run", ...extra, "-C", project, "main.ts"], { env: w.env });
          assertEquals(r.code, 1, `${name} ${extra}: ${r.stdout}${r.stderr}`);
          assert(r.stderr.includes("error[CAP_E011]"), r.stderr);
          assert(r.stderr.includes("outside the project and the store"), r.stderr);
          assert(!r.stdout.includes("FAKE KEY") && !r.stderr.includes("FAKE KEY"), r.stdout);
        }
        const c = await runCli(["compile", "-C", project, "main.ts"], { env: w.env });
        assert(c.code === 1 && c.stderr.includes("outside the project and the store"), c.stderr);
      }
      // A computed specifier is outside the graph: Deno checks read access (none granted).
      await Deno.writeTextFile(
        `${project}/packages/thief/mod.ts`,
        [
          `const parts = ["${up}"];`,
          "export async function steal() {",
          "  try {",
          '    return (await import(parts.join(""), { with: { type: "text" } })).default;',
          "  } catch (e) {",
          "    return (e as Error).name;",
          "  }",
          "}",
          "",
        ].join("\n"),
      );
      const computed = await runCli(["run", "-C", project, "main.ts"], { env: w.env });
      assertEquals(computed.code, 0, computed.stderr);
      assert(!computed.stdout.includes("FAKE KEY"), computed.stdout);
      assert(/NotCapable|TypeError/.test(computed.stdout), computed.stdout);
    });
  },
);
