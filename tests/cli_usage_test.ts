/**
 * The command line's shape (issue 13): each command refuses options it does not take and extra
 * positionals, misspelt commands and options get a did-you-mean, `mochi help <cmd>`,
 * `<cmd> --help` and `-V` work. Most cases run `main` in-process (no project is touched); the
 * ones that matter to a user also run as real subprocesses.
 */
import { assert, assertEquals } from "./assert.ts";
import { main } from "../cli.ts";
import { COMMANDS } from "../src/cli/commands.ts";
import { runCli } from "./helpers.ts";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

Deno.test("mochi install serde is refused (it used to say Up to date)", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const r = await runCli(["install", "serde", "-C", tmp]);
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stderr.includes('error[CLI_E001]: mochi install takes no arguments, got "serde"'),
      r.stderr,
    );
    assert(!/up to date/i.test(r.stdout + r.stderr), r.stdout);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a misspelt command gets a did-you-mean (subprocess)", async () => {
  const r = await runCli(["instal"]);
  assertEquals(r.code, 1);
  assert(r.stderr.includes('unknown command "instal"'), r.stderr);
  assert(r.stderr.includes("help: did you mean mochi install?"), r.stderr);
});

Deno.test("misspelt and foreign options are refused with a did-you-mean", async () => {
  const typo = await run(["install", "--ofline"]);
  assertEquals(typo.code, 1);
  assert(typo.stderr.includes('mochi install does not take the option "--ofline"'), typo.stderr);
  assert(typo.stderr.includes("did you mean --offline?"), typo.stderr);
  const foreign = await run(["tree", "--upgrade"]);
  assertEquals(foreign.code, 1);
  assert(
    foreign.stderr.includes('mochi tree does not take the option "--upgrade"'),
    foreign.stderr,
  );
  const value = await run(["install", "--offline=yes"]);
  assertEquals(value.code, 1);
  assert(value.stderr.includes("--offline takes no value"), value.stderr);
  const missing = await run(["tree", "--depth"]);
  assertEquals(missing.code, 1);
  assert(missing.stderr.includes("--depth needs a value"), missing.stderr);
});

Deno.test("sub-commands: a misspelt one gets a did-you-mean, a bare group lists them", async () => {
  const typo = await run(["cache", "prun"]);
  assertEquals(typo.code, 1);
  assert(typo.stderr.includes("did you mean mochi cache prune?"), typo.stderr);
  const bare = await run(["cache"]);
  assertEquals(bare.code, 1);
  assert(bare.stderr.includes("mochi cache needs a command: size, prune"), bare.stderr);
  const serve = await run(["registry", "serve"]);
  assertEquals(serve.code, 1);
  assert(
    serve.stderr.includes("mochi registry serve needs <dir|s3://bucket/prefix>"),
    serve.stderr,
  );
  assert(!serve.stderr.includes("unknown registry command"), serve.stderr);
});

Deno.test("too many positionals are refused", async () => {
  const r = await run(["why", "a", "b"]);
  assertEquals(r.code, 1);
  assert(r.stderr.includes("mochi why takes at most 1 argument(s), got 2"), r.stderr);
  const none = await run(["why"]);
  assertEquals(none.code, 1);
  assert(none.stderr.includes("mochi why needs <package>"), none.stderr);
});

Deno.test("--help, help <cmd>, -V and --version", async () => {
  const v = await run(["-V"]);
  assertEquals([v.code, v.stdout], [0, "mochi pkg 0.1.0\n"]);
  assertEquals((await run(["--version"])).stdout, "mochi pkg 0.1.0\n");
  const top = await run(["--help"]);
  assertEquals(top.code, 0);
  for (const c of COMMANDS) assert(top.stdout.includes(`  ${c.name} `), c.name);
  const a = await run(["help", "install"]);
  const b = await run(["install", "--help"]);
  assertEquals(a.code, 0);
  assertEquals(a.stdout, b.stdout);
  assert(a.stdout.startsWith("mochi install: "), a.stdout);
  assert(a.stdout.includes("--offline"), a.stdout);
  assert(!a.stdout.includes("--depth"), "install's help lists only its own options");
  const sub = await run(["help", "cache", "prune"]);
  assert(sub.stdout.includes("--older-than DUR"), sub.stdout);
  const group = await run(["help", "registry"]);
  assert(group.stdout.includes("registry serve"), group.stdout);
  const bad = await run(["help", "instal"]);
  assertEquals(bad.code, 1);
  assert(bad.stderr.includes("did you mean mochi install?"), bad.stderr);
});

Deno.test("every command module loads and has help (the table and the modules agree)", async () => {
  for (const c of COMMANDS) {
    const r = await run([...c.name.split(" "), "--help"]);
    assertEquals(r.code, 0, `${c.name}: ${r.stderr}`);
    assert(r.stdout.startsWith(`mochi ${c.name}: ${c.summary}`), r.stdout);
  }
});
