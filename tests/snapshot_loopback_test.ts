/**
 * Signed index snapshot over loopback (TUF's rollback, freeze and mix-and-match attacks): a
 * registry directory signed with `writeRegistrySnapshot`, served by `serveRegistry` on 127.0.0.1,
 * read by `openRegistry` with trust state in a temp MOCHI_HOME. Rollback, freeze (injected clock),
 * mix-and-match, tampering and key changes are refused with their codes; un-yanking is not a
 * rollback.
 */
import assert from "node:assert/strict";
import { MochiError } from "../src/errors.ts";
import { formatIndexRecord, indexPath, parseIndexFile } from "../src/index/mod.ts";
import { openRegistry, type RegistryClientOptions } from "../src/registry/client/index_client.ts";
import { createRegistryHandler, serveRegistry } from "../src/registry/server/registry_server.ts";
import {
  generateSnapshotKey,
  writeRegistrySnapshot,
} from "../src/registry/server/registry_snapshot.ts";
import { runCli, writeProject, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-06-01T00:00:00Z");

interface Fixture {
  dir: string;
  home: string;
  url: string;
  key: string;
  publish(version?: number, nowMs?: number): Promise<void>;
  client(extra?: Partial<RegistryClientOptions>, nowMs?: number): ReturnType<typeof openRegistry>;
}

async function withRegistry(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-snapshot-" });
  const dir = `${tmp}/registry`;
  const home = `${tmp}/home`;
  await prepare(dir);
  const server = serveRegistry(dir, { port: 0 });
  try {
    const { privateKeyFile } = await generateSnapshotKey();
    const f: Fixture = {
      dir,
      home,
      url: server.url,
      key: "",
      async publish(version, nowMs = T0) {
        const w = await writeRegistrySnapshot(dir, {
          privateKeyFile,
          nowMs,
          expiresInMs: 7 * DAY,
          ...(version === undefined ? {} : { version }),
        });
        f.key = w.publicKey;
      },
      client(extra = {}, nowMs = T0 + DAY) {
        return openRegistry(server.url, {
          cacheDir: `${home}/index`,
          maxAttempts: 1,
          trust: { stateDir: `${home}/state`, nowMs: () => nowMs },
          ...extra,
        });
      },
    };
    await f.publish();
    await fn(f);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
}

async function prepare(dir: string): Promise<string> {
  await writeRegistry(dir, [
    { name: "serde", version: "1.0.0" },
    { name: "serde", version: "1.1.0" },
    { name: "rand", version: "0.8.5", deps: { serde: "^1" } },
  ]);
  return dir;
}

async function rejectsCode(p: Promise<unknown>, code: string, re?: RegExp): Promise<MochiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MochiError, String(e));
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected ${code}`);
}

Deno.test("snapshot: a signed registry reads normally and pins its key and version", async () => {
  await withRegistry(async (f) => {
    const c = f.client();
    assert.equal((await c.records("serde"))?.length, 2);
    assert.equal(await c.records("absent-name"), null);
    const cfg = await c.config();
    assert.equal(cfg.snapshotKey, f.key);
    const states = [...Deno.readDirSync(`${f.home}/state/snapshots`)].filter((e) =>
      e.name.endsWith(".json")
    );
    assert.equal(states.length, 1);
    const state = JSON.parse(Deno.readTextFileSync(`${f.home}/state/snapshots/${states[0]!.name}`));
    assert.equal(state.version, 1);
    assert.equal(state.key, f.key);
  });
});

Deno.test("snapshot: rollback to an older version is refused (SNAPSHOT_E003, exit 4)", async () => {
  await withRegistry(async (f) => {
    const v1 = Deno.readTextFileSync(`${f.dir}/snapshot.json`);
    await f.publish(); // v2
    await f.publish(); // v3
    assert.equal((await f.client().records("serde"))?.length, 2);
    Deno.writeTextFileSync(`${f.dir}/snapshot.json`, v1); // a mirror serves the old one
    await rejectsCode(
      f.client().records("serde"),
      "SNAPSHOT_E003",
      /version 1, older than version 3/,
    );
  });
});

Deno.test("snapshot: the same version with other content is refused", async () => {
  await withRegistry(async (f) => {
    await f.client().records("serde");
    const path = `${f.dir}/${indexPath("serde")}`;
    Deno.writeTextFileSync(path, Deno.readTextFileSync(path).split("\n")[0] + "\n");
    // The publisher refuses to reuse a version number…
    await rejectsCode(f.publish(1), "SNAPSHOT_E003", /not above/);
    // …so re-sign version 1 from scratch over the new files: the client saw another version 1.
    Deno.removeSync(`${f.dir}/snapshot.json`);
    await f.publish(1);
    await rejectsCode(f.client().records("serde"), "SNAPSHOT_E003", /version 1 again/);
  });
});

Deno.test("snapshot: an expired snapshot is refused online (injected clock), accepted offline", async () => {
  await withRegistry(async (f) => {
    await f.client({}, T0 + DAY).records("serde"); // fills the cache
    const e = await rejectsCode(
      f.client({}, T0 + 8 * DAY).records("serde"),
      "SNAPSHOT_E004",
      /expired at 2026-06-08T00:00:00Z/,
    );
    assert.match(e.hint ?? "", /--offline/);
    // Offline, the cached snapshot is still used: freeze is a network attack.
    const offline = f.client({ offline: true }, T0 + 8 * DAY);
    assert.equal((await offline.records("serde"))?.length, 2);
  });
});

Deno.test("snapshot: mix-and-match — an index file that differs from the snapshot is refused", async () => {
  await withRegistry(async (f) => {
    const path = `${f.dir}/${indexPath("serde")}`;
    const [first] = parseIndexFile("serde", Deno.readTextFileSync(path));
    // An older copy of the file (one version fewer), served next to the current snapshot.
    Deno.writeTextFileSync(path, formatIndexRecord(first!) + "\n");
    await rejectsCode(f.client().records("serde"), "SNAPSHOT_E005", /snapshot says/);
    // The same bytes padded to the listed size: the digest still catches it.
    const listed = JSON.parse(Deno.readTextFileSync(`${f.dir}/snapshot.json`)).signed.files[
      indexPath("serde")
    ];
    const padded = formatIndexRecord(first!) + "\n";
    Deno.writeTextFileSync(path, padded + " ".repeat(listed.size - padded.length - 1) + "\n");
    await rejectsCode(f.client().records("serde"), "SNAPSHOT_E005", /SHA-256/);
  });
});

Deno.test("snapshot: a file the snapshot does not list, or lists but is gone, is refused", async () => {
  await withRegistry(async (f) => {
    await writeRegistry(`${f.dir}/../extra`, [{ name: "evil", version: "1.0.0" }]);
    const p = indexPath("evil");
    Deno.mkdirSync(`${f.dir}/${p.slice(0, p.lastIndexOf("/"))}`, { recursive: true });
    Deno.copyFileSync(`${f.dir}/../extra/${p}`, `${f.dir}/${p}`);
    await rejectsCode(f.client().records("evil"), "SNAPSHOT_E005", /does not list it/);
    Deno.removeSync(`${f.dir}/${indexPath("rand")}`);
    await rejectsCode(f.client().records("rand"), "SNAPSHOT_E005", /missing but the snapshot/);
  });
});

Deno.test("snapshot: a tampered signed part or a foreign key is refused", async () => {
  await withRegistry(async (f) => {
    await f.client().records("serde");
    const snap = JSON.parse(Deno.readTextFileSync(`${f.dir}/snapshot.json`));
    snap.signed.version = 99; // fast-forward attempt without the key
    Deno.writeTextFileSync(`${f.dir}/snapshot.json`, JSON.stringify(snap));
    await rejectsCode(f.client().records("serde"), "SNAPSHOT_E002", /no valid signature/);
    // A new key (the registry's config changes too): the pinned key wins.
    const other = await generateSnapshotKey();
    Deno.removeSync(`${f.dir}/snapshot.json`);
    await writeRegistrySnapshot(f.dir, { privateKeyFile: other.privateKeyFile, nowMs: T0 });
    await rejectsCode(f.client().records("serde"), "SNAPSHOT_E006", /pinned/);
    // Dropping the snapshot altogether is no way out once a key is pinned.
    Deno.removeSync(`${f.dir}/snapshot.json`);
    const cfg = JSON.parse(Deno.readTextFileSync(`${f.dir}/config.json`));
    delete cfg["snapshot-key"];
    Deno.writeTextFileSync(`${f.dir}/config.json`, JSON.stringify(cfg));
    await rejectsCode(f.client().records("serde"), "SNAPSHOT_E006", /serves no snapshot.json/);
  });
});

Deno.test("snapshot: yank then un-yank are new versions, not a rollback", async () => {
  await withRegistry(async (f) => {
    const path = `${f.dir}/${indexPath("serde")}`;
    const original = Deno.readTextFileSync(path);
    const yanked = parseIndexFile("serde", original).map((r) =>
      formatIndexRecord(r.version === "1.1.0" ? { ...r, yanked: true } : r) + "\n"
    ).join("");
    Deno.writeTextFileSync(path, yanked);
    await f.publish();
    const a = await f.client().records("serde");
    assert.equal(a?.find((r) => r.version === "1.1.0")?.yanked, true);
    Deno.writeTextFileSync(path, original);
    await f.publish();
    const b = await f.client().records("serde");
    assert.equal(b?.find((r) => r.version === "1.1.0")?.yanked, false);
  });
});

Deno.test("snapshot CLI: keygen, snapshot, install; a rolled-back index makes install exit 4", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-snapshot-cli-" });
  try {
    const reg = `${tmp}/registry`;
    await writeRegistry(reg, [{ name: "serde", version: "1.0.0" }]);
    const key = `${tmp}/key`;
    const kg = await runCli(["registry", "keygen", key]);
    assert.equal(kg.code, 0, kg.stderr);
    assert.match(kg.stdout, /ed25519:/);
    assert.equal((await Deno.stat(key)).mode! & 0o777, 0o600);
    const again = await runCli(["registry", "keygen", key]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /SNAPSHOT_E007[^\n]*already exists/);
    const badDur = await runCli([
      "registry",
      "snapshot",
      reg,
      "--key",
      key,
      "--expires-in",
      "soon",
    ]);
    assert.equal(badDur.code, 1);
    assert.match(badDur.stderr, /CLI_E001/);
    const s1 = await runCli(["registry", "snapshot", reg, "--key", key, "--expires-in", "7d"]);
    assert.equal(s1.code, 0, s1.stderr);
    assert.match(s1.stdout, /version 1/);
    const v1 = Deno.readTextFileSync(`${reg}/snapshot.json`);
    const s2 = await runCli(["registry", "snapshot", reg, "--key", key]);
    assert.match(s2.stdout, /version 2/);
    const app = `${tmp}/app`;
    await writeProject(app, { serde: "^1" }, `[registry]\ndefault = "${reg}"\n`);
    const env = { MOCHI_HOME: `${tmp}/home` };
    const ok = await runCli(["install", "-C", app], { env });
    assert.equal(ok.code, 0, ok.stderr);
    Deno.writeTextFileSync(`${reg}/snapshot.json`, v1);
    Deno.removeSync(`${app}/mochi.lock`);
    const bad = await runCli(["install", "-C", app], { env });
    assert.equal(bad.code, 4, bad.stderr);
    assert.match(bad.stderr, /SNAPSHOT_E003/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});

Deno.test("snapshot: a publish between the snapshot and a file is picked up, not refused", async () => {
  await withRegistry(async (f) => {
    const c = f.client();
    assert.equal((await c.records("serde"))?.length, 2); // snapshot v1 is now in use
    await writeRegistry(`${f.dir}/../next`, [
      { name: "rand", version: "0.8.5", deps: { serde: "^1" } },
      { name: "rand", version: "0.9.0", deps: { serde: "^1" } },
    ]);
    Deno.copyFileSync(`${f.dir}/../next/${indexPath("rand")}`, `${f.dir}/${indexPath("rand")}`);
    await f.publish(); // v2 lists the new rand file
    assert.equal((await c.records("rand"))?.length, 2);
  });
});

Deno.test("snapshot: an index file that keeps streaming is cut off at the size the snapshot lists", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-snapshot-endless-" });
  const dir = `${tmp}/registry`;
  await prepare(dir);
  const { privateKeyFile } = await generateSnapshotKey();
  await writeRegistrySnapshot(dir, { privateKeyFile, nowMs: T0 });
  const handler = createRegistryHandler(dir);
  const endless = `/${indexPath("serde")}`;
  let sent = 0;
  let cancelled = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname !== endless) return handler(req);
    const chunk = new TextEncoder().encode(" ".repeat(65_535) + "\n");
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(c) {
          sent += chunk.length;
          c.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      }),
    );
  });
  try {
    const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`;
    const c = openRegistry(url, {
      cacheDir: `${tmp}/home/index`,
      maxAttempts: 1,
      trust: { stateDir: `${tmp}/home/state`, nowMs: () => T0 + DAY },
    });
    const listed = JSON.parse(Deno.readTextFileSync(`${dir}/snapshot.json`)).signed.files[
      indexPath("serde")
    ].size;
    const e = await rejectsCode(c.records("serde"), "SNAPSHOT_E005", /larger than the \d+ bytes/);
    assert.match(e.message, new RegExp(`larger than the ${listed} bytes`));
    const stopped = Number(/stopped after (\d+) bytes/.exec(e.message)![1]);
    assert.ok(stopped <= listed + 65_536, `read ${stopped} bytes`);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(cancelled || sent < 16 * 65_536, `the server sent ${sent} bytes`);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
