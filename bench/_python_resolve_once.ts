/**
 * One mochi resolution of Python requirements against an index, as a subprocess for
 * `bench/python_resolve_bench.ts`: `deno run -A bench/_python_resolve_once.ts <index url>
 * <cache dir> <out json> <requirement>…`. Writes the picks (`name==version`, sorted) as JSON.
 *
 * @module
 */
import { openPythonIndex } from "../src/python/client/mod.ts";
import { resolvePython } from "../src/python/resolve.ts";
import { DEFAULT_MARKER_ENVIRONMENT, supportedTags } from "../src/python/mod.ts";

const [url, cacheDir, out, ...requirements] = Deno.args;
const client = openPythonIndex(url!, { cacheDir: cacheDir!, deferCacheWrites: true });
const tags = supportedTags({
  pythonVersion: [3, 12],
  platforms: ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"],
});
const { packages } = await resolvePython(requirements, {
  client,
  environment: { markers: DEFAULT_MARKER_ENVIRONMENT, tags, pythonVersion: "3.12.0" },
});
await client.flush();
await Deno.writeTextFile(out!, JSON.stringify(packages.map((p) => `${p.name}==${p.version}`)));
