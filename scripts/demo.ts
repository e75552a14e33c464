/**
 * `deno task demo`: builds a mochi registry from `fixtures/crates-index/` (cached in
 * `.cache/demo-registry/` until the fixtures or the converter change), serves it on 127.0.0.1
 * with `mochi registry serve` in a subprocess, and runs `mochi install` in `fixtures/demo/`
 * (another subprocess) with `MOCHI_HOME=.cache/demo-home`. Run it twice: the second run
 * resolves nothing, fetches nothing and says it is up to date.
 *
 * @module
 */
import { digestBytes } from "../src/store/mod.ts";
import { convertCratesIndex } from "./convert_crates_index.ts";
import { type RegistryProcess, spawnRegistryServer } from "./_serve.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const fixtures = `${root}/fixtures/crates-index`;
const registryDir = `${root}/.cache/demo-registry`;
const home = `${root}/.cache/demo-home`;
const project = `${root}/fixtures/demo`;
/** Fixed so that the lockfile's registry source stays the same between runs. */
const PREFERRED_PORT = 17357;

async function inputsDigest(): Promise<string> {
  const parts: string[] = [];
  async function walk(dir: string) {
    const names: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e);
    names.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of names) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else parts.push(p.slice(fixtures.length), await Deno.readTextFile(p));
    }
  }
  await walk(fixtures);
  for (
    const f of ["scripts/convert_crates_index.ts", "src/store/archive.ts", "src/index/record.ts"]
  ) {
    parts.push(f, await Deno.readTextFile(`${root}/${f}`).catch(() => ""));
  }
  return (await digestBytes(new TextEncoder().encode(parts.join("\u0000")))).blake3;
}

async function ensureRegistry(): Promise<void> {
  const want = await inputsDigest();
  const stamp = `${registryDir}/.inputs`;
  const have = await Deno.readTextFile(stamp).catch(() => "");
  if (have === want) {
    console.log(`registry: ${registryDir} (cached)`);
    return;
  }
  console.log("registry: converting fixtures/crates-index into a mochi registry (first run only)…");
  const t0 = performance.now();
  const r = await convertCratesIndex(fixtures, registryDir);
  await Deno.writeTextFile(stamp, want);
  console.log(
    `registry: ${r.packages} packages, ${r.versions} versions, ${
      (r.blobBytes / 1e6).toFixed(1)
    } MB of blobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

async function startServer(port: number): Promise<RegistryProcess | undefined> {
  const r = await spawnRegistryServer(registryDir, port);
  if ("url" in r) return r;
  if (port !== 0) return undefined;
  throw new Error(`registry server did not start: ${r.error}`);
}

await ensureRegistry();
const server = (await startServer(PREFERRED_PORT)) ?? (await startServer(0))!;
console.log(`registry: serving at ${server.url}`);
console.log(`install:  mochi install in ${project} (MOCHI_HOME=${home})`);
console.log(
  "          (the demo registry is converted from crates.io data, so nothing in it is signed:\n" +
    "          expect the unsigned warning; tests/signed_install_test.ts shows a signed install)\n",
);
let code = 1;
try {
  const install = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/cli.ts`, "install", "-C", project],
    env: { MOCHI_HOME: home, MOCHI_REGISTRY: server.url },
    stdout: "inherit",
    stderr: "inherit",
  });
  code = (await install.output()).code;
  if (code === 0) {
    console.log(`\nlock:  ${project}/mochi.lock`);
    console.log(`store: ${home}/store`);
    console.log("Run `deno task demo` again: the second run resolves and fetches nothing.");
  }
} finally {
  server.child.kill("SIGTERM");
  await server.child.status;
  await server.child.stdout.cancel().catch(() => {});
  await server.child.stderr.cancel().catch(() => {});
}
Deno.exit(code);
