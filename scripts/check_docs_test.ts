import { assertEquals } from "../tests/assert.ts";
import { outsideCitations } from "./check_docs.ts";

// The outside folder's name is built, so no file here spells a path that reads outside the repository.
const OUTSIDE = ["..", "shared", "research"].join("/");

Deno.test("citations of documents outside the repository are found; public sources are not", () => {
  const text = [
    "/**",
    ` * Follows decisions.md §Store and ${OUTSIDE}/reliability.md §5.`,
    ' * Follows the cargo book, "Registry Index", and RFC 9110.',
    " * (mep57-digest.md §6)",
    " * `[[python-package]]` entries exactly as MEP-71 phase 9 defines them.",
    " * See README.md §Capabilities and docs/errors.md.",
    " */",
  ].join("\n");
  assertEquals(outsideCitations(text).map(([n]) => n), [2, 4, 5]);
});
