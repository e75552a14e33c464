import { assert, assertEquals } from "./assert.ts";
import {
  cargoIndexPath,
  convertCratesIndex,
  mochiDependencies,
} from "../scripts/convert_crates_index.ts";
import { indexPath, parseIndexFile } from "../src/index/mod.ts";
import { digestBytes, readArchiveAll } from "../src/store/mod.ts";
import { guardedTest } from "./stray.ts";

const dep = (name: string, req: string, extra: Record<string, unknown> = {}) => ({
  name,
  req,
  features: [],
  optional: false,
  default_features: true,
  target: null,
  kind: "normal",
  ...extra,
});

guardedTest("cargoIndexPath() follows cargo's rule", () => {
  assertEquals(["a", "ab", "abc", "serde", "MacTypes-sys"].map(cargoIndexPath), [
    "1/a",
    "2/ab",
    "3/a/abc",
    "se/rd/serde",
    "ma/ct/mactypes-sys",
  ]);
});

guardedTest(
  "mochiDependencies() keeps normal and build deps that are not optional, renames, joins repeats",
  () => {
    const d = mochiDependencies([
      dep("libc", "^0.2.1"),
      dep("cc", "1", { kind: "build" }),
      dep("quickcheck", "1", { kind: "dev" }),
      dep("serde", "1", { optional: true }),
      dep("rand_renamed", "0.8", { package: "rand" }),
      dep("libc", "^0.2.5", { target: "cfg(unix)" }),
      dep("windows-sys", "0.52", { target: "cfg(windows)", kind: null }),
    ]);
    assertEquals(d, { cc: "1", libc: "^0.2.1, ^0.2.5", rand: "0.8", "windows-sys": "0.52" });
  },
);

guardedTest(
  "convertCratesIndex() keeps names, versions, yanked flags and requirements; blobs match their digests",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-convert-" });
    try {
      const src = `${tmp}/cargo`;
      const lines = [
        {
          name: "Foo-Bar",
          vers: "1.0.0",
          deps: [dep("ab", "^0.1")],
          cksum: "0".repeat(64),
          features: {},
          yanked: false,
        },
        {
          name: "Foo-Bar",
          vers: "1.1.0-rc.1",
          deps: [],
          cksum: "1".repeat(64),
          features: {},
          yanked: true,
        },
      ];
      await Deno.mkdir(`${src}/fo/o-`, { recursive: true });
      await Deno.writeTextFile(
        `${src}/fo/o-/foo-bar`,
        lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
      );
      await Deno.mkdir(`${src}/2`, { recursive: true });
      await Deno.writeTextFile(
        `${src}/2/ab`,
        JSON.stringify({
          name: "ab",
          vers: "0.1.3",
          deps: [],
          cksum: "2".repeat(64),
          features: {},
          yanked: false,
        }) + "\n",
      );
      await Deno.writeTextFile(`${src}/config.json`, "{}");
      const out = `${tmp}/mochi`;
      const r = await convertCratesIndex(src, out);
      assertEquals([r.packages, r.versions], [2, 3]);
      const recs = parseIndexFile(
        "foo-bar",
        await Deno.readTextFile(`${out}/${indexPath("foo-bar")}`),
      );
      assertEquals(recs.map((x) => [x.version, x.yanked, x.dependencies]), [["1.0.0", false, {
        ab: "^0.1",
      }], ["1.1.0-rc.1", true, {}]]);
      for (const rec of recs) {
        const bytes = await Deno.readFile(`${out}/blobs/${rec.blake3}`);
        assertEquals(await digestBytes(bytes).then((d) => [d.blake3, d.sha256]), [
          rec.blake3,
          rec.sha256,
        ]);
        const entries = await readArchiveAll(new Blob([bytes]).stream());
        const toml = entries.find((e) => e.path === "mochi.toml");
        assert(toml, "archive holds mochi.toml");
      }
      assertEquals(JSON.parse(await Deno.readTextFile(`${out}/config.json`)).dl, "blobs/");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
