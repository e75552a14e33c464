/**
 * The Python bridge end to end through the CLI: a loopback PEP 691 index (pages read from disk on
 * every request, PEP 658 metadata, wheels built here as zips holding METADATA, WHEEL and RECORD),
 * `[targets.python.ffi]` plus `import python` lines, `mochi lock` resolving transitively,
 * `mochi install` fetching the wheels through the one executor, `mochi lock --check` reporting
 * added, removed and changed entries on a drifted lock, and wheels whose bytes or published
 * digest changed refused with exit 4.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree } from "./helpers.ts";
import { stubWheel } from "./python_index_server.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { guardedTest } from "./stray.ts";

interface Dist {
  name: string;
  version: string;
  requires?: string[];
  /** `Provides-Extra` names. */
  extras?: string[];
}

const enc = new TextEncoder();
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function wheelName(d: Dist): string {
  return `${d.name.replace(/-/g, "_")}-${d.version}-py3-none-any.whl`;
}

/**
 * Writes a PEP 691 index for `dists` under `dir`: `simple/<name>/index.json`, and under `files/`
 * each wheel and its `.metadata`. `tamper` may change a wheel's bytes after its page was written.
 */
async function writeIndex(dir: string, dists: Dist[]): Promise<Map<string, string>> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(dir, "files"), { recursive: true });
  const byName = new Map<string, Dist[]>();
  for (const d of dists) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  const digests = new Map<string, string>();
  for (const [name, versions] of byName) {
    const files = [];
    for (const d of versions) {
      const metadata = enc.encode(
        [
          "Metadata-Version: 2.1",
          `Name: ${d.name}`,
          `Version: ${d.version}`,
          "Requires-Python: >=3.8",
          ...(d.extras ?? []).map((e) => `Provides-Extra: ${e}`),
          ...(d.requires ?? []).map((r) => `Requires-Dist: ${r}`),
          "",
        ].join("\n"),
      );
      const filename = wheelName(d);
      const wheel = stubWheel(filename, metadata);
      await Deno.writeFile(join(dir, "files", filename), wheel);
      await Deno.writeFile(join(dir, "files", `${filename}.metadata`), metadata);
      digests.set(filename, sha256(wheel));
      files.push({
        filename,
        url: `../../files/${filename}`,
        hashes: { sha256: sha256(wheel) },
        "requires-python": ">=3.8",
        "core-metadata": { sha256: sha256(metadata) },
        yanked: false,
        size: wheel.length,
      });
    }
    await Deno.mkdir(join(dir, "simple", name), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "simple", name, "index.json"),
      JSON.stringify({ meta: { "api-version": "1.1" }, name, files }),
    );
  }
  return digests;
}

/** A loopback index serving `dir` as it is on disk at each request (so a test can drift it). */
function serveIndex(
  dir: string,
): { url: string; requests: () => number; close: () => Promise<void> } {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    requests++;
    const path = decodeURIComponent(new URL(req.url).pathname);
    const page = /^\/simple\/([a-z0-9-]+)\/$/.exec(path);
    try {
      if (page !== null) {
        const body = await Deno.readFile(join(dir, "simple", page[1]!, "index.json"));
        return new Response(body, {
          headers: {
            "content-type": "application/vnd.pypi.simple.v1+json",
            etag: `"${sha256(body).slice(0, 32)}"`,
          },
        });
      }
      const file = /^\/files\/([A-Za-z0-9._-]+)$/.exec(path);
      if (file !== null) return new Response(await Deno.readFile(join(dir, "files", file[1]!)));
    } catch {
      // fall through: 404
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/simple/`,
    requests: () => requests,
    close: () => server.shutdown(),
  };
}

const BASE: Dist[] = [
  { name: "httpx", version: "0.26.0", requires: ["anyio"] },
  { name: "httpx", version: "0.27.2", requires: ["anyio>=4", "certifi"] },
  {
    name: "anyio",
    version: "4.4.0",
    requires: ["idna>=2.8", "exceptiongroup; python_version < '3.11'"],
  },
  { name: "anyio", version: "3.7.1", requires: ["idna>=2.8"] },
  { name: "idna", version: "3.7" },
  { name: "certifi", version: "2024.7.4" },
  { name: "exceptiongroup", version: "1.2.2" },
];

async function writeApp(dir: string, imports: string[]): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/mochi.toml`,
    [
      "[package]",
      'name = "app"',
      'version = "0.1.0"',
      'edition = "2026"',
      'mochi = ">=0.7"',
      "",
      "[targets.python.ffi]",
      'httpx = ">=0.27"',
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${dir}/src/main.mochi`, `${imports.join("\n")}\n\nprint("hi")\n`);
}

guardedTest(
  "Python bridge through the CLI: lock, install fetches wheels, lock --check drift, tampering exits 4",
  async (t) => {
    const root = await Deno.makeTempDir({ prefix: "mochi-python-" });
    const index = `${root}/index`;
    const app = `${root}/app`;
    const home = `${root}/home`;
    const served = serveIndex(index);
    const env = { MOCHI_HOME: home, MOCHI_PYPI_INDEX: served.url };
    try {
      const digests = await writeIndex(index, BASE);
      await writeApp(app, [
        'import python "httpx<0.28" as web',
        'import python "IDNA" as idna',
      ]);

      await t.step("mochi lock resolves transitively and pins (name, alias) entries", async () => {
        const r = await runCli(["lock", "-C", app], { env });
        assertEquals(r.code, 0, r.stdout + r.stderr);
        const text = await Deno.readTextFile(`${app}/mochi.lock`);
        const lock = parseLockfile(text);
        assertEquals(
          lock.pythonPackages?.map((p) => [p.name, p.alias, p.source, p.version, p.specifier]),
          [
            ["httpx", "httpx", "registry", "0.27.2", ">=0.27"],
            ["httpx", "web", "registry", "0.27.2", "<0.28"],
            ["idna", "idna", "registry", "3.7", undefined],
          ],
        );
        // exceptiongroup's marker is false for CPython 3.12: not locked.
        assertEquals(lock.pythonWheels?.map((w) => `${w.name} ${w.version}`), [
          "anyio 4.4.0",
          "certifi 2024.7.4",
          "httpx 0.27.2",
          "idna 3.7",
        ]);
        for (const w of lock.pythonWheels!) {
          assertEquals(w.sha256, digests.get(w.filename), w.filename);
          assertEquals(w.index, served.url);
        }
        assert(text.includes("\nschema-version = 1\n"), text);
        const check = await runCli(["lock", "--check", "-C", app], { env });
        assertEquals(check.code, 0, check.stdout + check.stderr);
        // What a wrapper synthesiser records for an entry stays while its version does.
        const withWrapper = text.replace(
          'alias = "httpx"\nsource = "registry"\nversion = "0.27.2"\nspecifier = ">=0.27"\n',
          'alias = "httpx"\nsource = "registry"\nversion = "0.27.2"\nspecifier = ">=0.27"\n' +
            `wrapper-sha256 = "${"c".repeat(64)}"\ncapabilities = ["async", "callable"]\n`,
        );
        assert(withWrapper !== text, text);
        await Deno.writeTextFile(`${app}/mochi.lock`, withWrapper);
        const kept = await runCli(["lock", "--check", "-C", app], { env });
        assertEquals(kept.code, 0, kept.stdout + kept.stderr);
        await Deno.writeTextFile(`${app}/mochi.lock`, text);
      });

      await t.step(
        "mochi install fetches every wheel into the store, then has nothing to do",
        async () => {
          const r = await runCli(["install", "-C", app], { env });
          assertEquals(r.code, 0, r.stdout + r.stderr);
          assert(r.stdout.includes("Python: 4 wheels"), r.stdout);
          assert(r.stdout.includes("Fetched 4 wheels"), r.stdout);
          const blobs = (await snapshotTree(`${home}/store/blobs`)).length;
          assert(blobs >= 4, `expected 4 blobs, found ${blobs}`);
          const again = await runCli(["install", "-C", app], { env });
          assertEquals(again.code, 0, again.stdout + again.stderr);
          assert(again.stdout.includes("Up to date"), again.stdout);
          const fetched = await runCli(["fetch", "-C", app], { env });
          assertEquals(fetched.code, 0, fetched.stdout + fetched.stderr);
          assert(
            fetched.stdout.includes("Fetched 0 crates and wheels") &&
              fetched.stdout.includes("4 already in the store"),
            fetched.stdout,
          );
        },
      );

      const locked = await Deno.readTextFile(`${app}/mochi.lock`);

      await t.step(
        "mochi lock --check: an added, a removed and a changed entry; exit 1",
        async () => {
          await writeIndex(index, [
            ...BASE,
            { name: "httpx", version: "0.27.3", requires: ["anyio>=4", "certifi", "sniffio"] },
            { name: "sniffio", version: "1.3.1" },
          ]);
          await writeApp(app, [
            'import python "httpx<0.28" as web',
            'import python "certifi" as certs',
          ]);
          const r = await runCli(["lock", "--check", "-C", app], { env });
          assertEquals(r.code, 1, r.stdout + r.stderr);
          for (
            const line of [
              "+ python certifi:certs 2024.7.4 (added)",
              "- python idna:idna 3.7 (removed)",
              "~ python httpx:httpx 0.27.2 → 0.27.3 (changed: version)",
              "~ python httpx:web 0.27.2 → 0.27.3 (changed: version)",
              "~ python-wheel httpx 0.27.2 → 0.27.3 (changed: version, filename, sha256)",
              "+ python-wheel sniffio 1.3.1 (added)",
            ]
          ) {
            assert(r.stderr.includes(line), `missing "${line}" in\n${r.stderr}`);
          }
          assert(r.stderr.includes("LOCK_E002"), r.stderr);
          assertEquals(await Deno.readTextFile(`${app}/mochi.lock`), locked, "--check wrote");
          const json = await runCli(["lock", "--check", "--json", "-C", app], { env });
          assertEquals(json.code, 1, json.stderr);
          const report = JSON.parse(json.stdout);
          assertEquals(report.upToDate, false);
          assertEquals(report.pythonPackages, 3);
        },
      );

      await t.step(
        "mochi lock keeps the locked versions it can (only changed entries move)",
        async () => {
          const r = await runCli(["lock", "-C", app], { env });
          assertEquals(r.code, 0, r.stdout + r.stderr);
          const lock = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
          assertEquals(
            lock.pythonPackages?.map((p) => `${p.name}:${p.alias} ${p.version}`),
            ["certifi:certs 2024.7.4", "httpx:httpx 0.27.2", "httpx:web 0.27.2"],
          );
          // --upgrade lets them move.
          const up = await runCli(["lock", "--upgrade", "-C", app], { env });
          assertEquals(up.code, 0, up.stdout + up.stderr);
          const upgraded = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
          assertEquals(
            upgraded.pythonPackages?.map((p) => `${p.name}:${p.alias} ${p.version}`),
            ["certifi:certs 2024.7.4", "httpx:httpx 0.27.3", "httpx:web 0.27.3"],
          );
          assert(upgraded.pythonWheels?.some((w) => w.name === "sniffio"));
          await Deno.writeTextFile(`${app}/mochi.lock`, locked);
        },
      );

      await t.step(
        "a wheel whose published SHA-256 changed is drift, and install refuses it (exit 4)",
        async () => {
          await writeIndex(index, BASE);
          await writeApp(app, [
            'import python "httpx<0.28" as web',
            'import python "IDNA" as idna',
          ]);
          const ok = await runCli(["lock", "--check", "-C", app], { env });
          assertEquals(ok.code, 0, ok.stdout + ok.stderr);
          // The index now serves other bytes for anyio, and says so on its page.
          const anyio = "anyio-4.4.0-py3-none-any.whl";
          await Deno.writeFile(`${index}/files/${anyio}`, enc.encode("not the wheel"));
          const pagePath = `${index}/simple/anyio/index.json`;
          const page = await Deno.readTextFile(pagePath);
          await Deno.writeTextFile(
            pagePath,
            page.replace(digests.get(anyio)!, sha256(enc.encode("not the wheel"))),
          );
          const check = await runCli(["lock", "--check", "-C", app], { env });
          assertEquals(check.code, 1, check.stderr);
          assert(
            check.stderr.includes("~ python-wheel anyio 4.4.0 (changed: sha256)"),
            check.stderr,
          );
          const home2 = `${root}/home2`;
          const bad = await runCli(["install", "-C", app], {
            env: { ...env, MOCHI_HOME: home2 },
          });
          assertEquals(bad.code, 4, bad.stdout + bad.stderr);
          assert(bad.stderr.includes("PY_E012") && bad.stderr.includes("anyio"), bad.stderr);
          assertEquals(await snapshotTree(`${home2}/store/blobs`), [], "nothing stored");
          // Same page as locked, other bytes: the download itself is refused.
          await Deno.writeTextFile(pagePath, page);
          const bytes = await runCli(["install", "-C", app], {
            env: { ...env, MOCHI_HOME: `${root}/home3` },
          });
          assertEquals(bytes.code, 4, bytes.stdout + bytes.stderr);
          assert(
            bytes.stderr.includes("PY_E012") &&
              bytes.stderr.includes("downloaded wheel has SHA-256"),
            bytes.stderr,
          );
          assertEquals(await snapshotTree(`${root}/home3/store/blobs`), [], "nothing stored");
          assertEquals(await Deno.readTextFile(`${app}/mochi.lock`), locked, "lock untouched");
        },
      );

      await t.step("a page that points a locked wheel outside the index is refused", async () => {
        await writeIndex(index, BASE);
        const pagePath = `${index}/simple/idna/index.json`;
        const page = await Deno.readTextFile(pagePath);
        await Deno.writeTextFile(
          pagePath,
          page.replace("../../files/idna-3.7-py3-none-any.whl", "file:///etc/hostname"),
        );
        const r = await runCli(["install", "-C", app], {
          env: { ...env, MOCHI_HOME: `${root}/home4` },
        });
        assertEquals(r.code, 1, r.stdout + r.stderr);
        // The page reader refuses it before any download (the executor source checks again).
        assert(r.stderr.includes("PY_E005") && r.stderr.includes("scheme file:"), r.stderr);
        assertEquals(await snapshotTree(`${root}/home4/store/blobs`), [], "nothing stored");
        await Deno.writeTextFile(pagePath, page);
      });

      await t.step("a hostile [[python-package]] source is refused with LOCK_E005", async () => {
        await Deno.writeTextFile(
          `${app}/mochi.lock`,
          locked.replace('alias = "idna"\nsource = "registry"', 'alias = "idna"\nsource = "pypi"'),
        );
        const r = await runCli(["lock", "--check", "-C", app], { env });
        assertEquals(r.code, 1, r.stderr);
        assert(r.stderr.includes("LOCK_E005") && r.stderr.includes('source "pypi"'), r.stderr);
      });
    } finally {
      await served.close();
      await Deno.remove(root, { recursive: true });
    }
  },
);

guardedTest(
  "Python bridge: a requirement with extras keeps its lock (install --locked passes, no index requests)",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-python-extras-" });
    const index = `${root}/index`;
    const app = `${root}/app`;
    const served = serveIndex(index);
    const env = { MOCHI_HOME: `${root}/home`, MOCHI_PYPI_INDEX: served.url };
    try {
      await writeIndex(index, [
        {
          name: "httpx",
          version: "0.27.2",
          extras: ["http2"],
          requires: ['h2>=3; extra == "http2"', "idna"],
        },
        { name: "h2", version: "4.1.0", requires: ["hpack>=4"] },
        { name: "hpack", version: "4.0.0" },
        { name: "idna", version: "3.7" },
      ]);
      await writeApp(app, ['import python "httpx[http2]" as web']);
      const r = await runCli(["lock", "-C", app], { env });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const text = await Deno.readTextFile(`${app}/mochi.lock`);
      assertEquals(parseLockfile(text).pythonWheels?.map((w) => `${w.name} ${w.version}`), [
        "h2 4.1.0",
        "hpack 4.0.0",
        "httpx 0.27.2",
        "idna 3.7",
      ]);
      const locked = await runCli(["install", "--locked", "-C", app], { env });
      assertEquals(locked.code, 0, locked.stdout + locked.stderr);
      assertEquals(await Deno.readTextFile(`${app}/mochi.lock`), text);
      const before = served.requests();
      const again = await runCli(["install", "-C", app], { env });
      assertEquals(again.code, 0, again.stdout + again.stderr);
      assert(again.stdout.includes("Up to date"), again.stdout);
      assertEquals(served.requests() - before, 0, "a no-op install asked the index");
      // A fresh home (nothing cached) checks the lock against the index and keeps it.
      const fresh = await runCli(["install", "--locked", "-C", app], {
        env: { ...env, MOCHI_HOME: `${root}/home2` },
      });
      assertEquals(fresh.code, 0, fresh.stdout + fresh.stderr);
      // A lock that lacks what the extra brings in is not kept.
      const lock = parseLockfile(text);
      const h2 = lock.pythonWheels!.find((w) => w.name === "h2")!;
      const start = text.indexOf('[[python-wheel]]\nname = "h2"');
      assert(start >= 0 && h2 !== undefined, text);
      const end = text.indexOf("[[python-wheel]]", start + 1);
      await Deno.writeTextFile(`${app}/mochi.lock`, text.slice(0, start) + text.slice(end));
      const stale = await runCli(["install", "--locked", "-C", app], { env });
      assertEquals(stale.code, 1, stale.stdout + stale.stderr);
      assert(stale.stderr.includes("LOCK_E002"), stale.stderr);
    } finally {
      await served.close();
      await Deno.remove(root, { recursive: true });
    }
  },
);

guardedTest(
  'Python bridge: [targets.python] python = "3.10" resolves for that CPython',
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-python-target-" });
    const served = serveIndex(`${root}/index`);
    const env = { MOCHI_HOME: `${root}/home`, MOCHI_PYPI_INDEX: served.url };
    try {
      await writeIndex(`${root}/index`, BASE);
      await writeApp(`${root}/app`, []);
      const manifest = `${root}/app/mochi.toml`;
      await Deno.writeTextFile(
        manifest,
        (await Deno.readTextFile(manifest)).replace(
          "[targets.python.ffi]",
          '[targets.python]\npython = "3.10"\nplatform = "linux-aarch64"\n\n[targets.python.ffi]',
        ),
      );
      const r = await runCli(["lock", "-C", `${root}/app`], { env });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const lock = parseLockfile(await Deno.readTextFile(`${root}/app/mochi.lock`));
      // anyio needs exceptiongroup below CPython 3.11 (not locked for the default 3.12).
      assertEquals(lock.pythonWheels?.map((w) => w.name), [
        "anyio",
        "certifi",
        "exceptiongroup",
        "httpx",
        "idna",
      ]);
    } finally {
      await served.close();
      await Deno.remove(root, { recursive: true });
    }
  },
);
