import { assert, assertEquals } from "../tests/assert.ts";
import { renderArchitecture, spliceArchitecture } from "./gen_architecture.ts";
import type { Room } from "./_rooms.ts";

const rooms: Record<string, Room> = {
  semver: { paths: ["src/semver/"], layer: "core", about: "versions" },
  "registry-client": {
    paths: ["src/adapters/client.ts"],
    layer: "adapter",
    forbid: ["registry-server"],
    about: "reads a registry",
  },
  adapters: { paths: ["src/adapters/"], layer: "adapter", about: "not yet moved" },
};

Deno.test("the generated section has one line per folder, the files of moving rooms and the rules", () => {
  const text = renderArchitecture(
    ["src/adapters/", "src/semver/"],
    ["src/adapters/client.ts", "src/adapters/other.ts", "src/semver/version.ts"],
    rooms,
  );
  const lines = text.split("\n");
  assert(lines.some((l) => /^src\/semver\/\s+versions \[core\]$/.test(l)), text);
  assert(lines.some((l) => /^ {2}client\.ts\s+→ registry-client$/.test(l)), text);
  assert(
    !lines.some((l) => l.includes("other.ts")),
    "a file of the folder's own room is not listed",
  );
  assert(text.includes("- registry-client never imports registry-server."), text);
});

Deno.test("splicing replaces only what lies between the markers", () => {
  const section = renderArchitecture([], [], rooms);
  const once = spliceArchitecture("# A\n\nintro\n", section);
  assert(once.startsWith("# A\n\nintro\n\n<!-- rooms:begin"));
  const stale = once.replace("No import cycle", "An import cycle");
  assert(stale !== once);
  const twice = spliceArchitecture(stale, section);
  assertEquals(twice, once);
});
