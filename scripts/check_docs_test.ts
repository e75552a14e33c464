import { assertEquals } from "../tests/assert.ts";
import { outsideCitations } from "./check_docs.ts";

Deno.test("citations of documents outside the repository are found; public sources are not", () => {
  const text = [
    "/**",
    " * Follows decisions.md §Store and ../shared/research/reliability.md §5.",
    ' * Follows the cargo book, "Registry Index", and RFC 9110.',
    " * (mep57-digest.md §6)",
    " * See README.md §Capabilities and docs/errors.md.",
    " */",
  ].join("\n");
  assertEquals(outsideCitations(text).map(([n]) => n), [2, 4]);
});
