/**
 * Replays the Python corpus with pip against the loopback index built from `fixtures/python/`
 * (stub wheels, see tests/python_index_server.ts) and says, per requirement set, whether pip
 * picks on the trimmed index what it picked when the corpus was recorded. Needs a Python with
 * pip: `deno run -A scripts/replay_python_corpus.ts [--python /path/to/python3.12]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { servePythonIndex } from "../tests/python_index_server.ts";

const { values } = parseArgs({ options: { python: { type: "string", default: "python3.12" } } });
const root = new URL("../fixtures/python/", import.meta.url).pathname;
const corpus = JSON.parse(await Deno.readTextFile(`${root}sets.json`)) as {
  sets: { id: string; requirements: string[]; picks: { name: string; version: string }[] }[];
};
const server = await servePythonIndex(`${root}index`, { stubWheels: true });
const tmp = await Deno.makeTempDir();
let same = 0;
try {
  for (const set of corpus.sets) {
    const report = `${tmp}/${set.id}.json`;
    const out = await new Deno.Command(values.python!, {
      args: [
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--target",
        `${tmp}/t`,
        "--report",
        report,
        "--python-version",
        "3.12",
        "--platform",
        "manylinux2014_x86_64",
        "--only-binary=:all:",
        "--no-cache-dir",
        "--index-url",
        server.url,
        "--trusted-host",
        "127.0.0.1",
        ...set.requirements,
      ],
      env: { PIP_FIND_LINKS: "", PIP_NO_INPUT: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      console.log(
        `${set.id} ${set.requirements.join(" ")}: pip failed\n${
          new TextDecoder().decode(out.stderr).slice(-800)
        }`,
      );
      continue;
    }
    const r = JSON.parse(await Deno.readTextFile(report));
    const got = r.install.map((i: { metadata: { name: string; version: string } }) =>
      `${i.metadata.name.toLowerCase().replace(/[-_.]+/g, "-")}==${i.metadata.version}`
    ).sort();
    const want = set.picks.map((p) => `${p.name}==${p.version}`).sort();
    const ok = JSON.stringify(got) === JSON.stringify(want);
    if (ok) same++;
    console.log(
      `${set.id} ${set.requirements.join(" ")}: ${
        ok ? "same" : `DIFFERENT\n  got  ${got.join(" ")}\n  want ${want.join(" ")}`
      }`,
    );
  }
} finally {
  await server.close();
  await Deno.remove(tmp, { recursive: true });
}
console.log(
  `${same}/${corpus.sets.length} sets: pip picks the recorded versions from the loopback index`,
);
