import { assert, assertEquals } from "./assert.ts";
import { ERROR_CATALOGUE, exitStatusOf, MochiError } from "../src/errors.ts";
import { renderErrorDocs } from "../scripts/gen_error_docs.ts";

Deno.test("docs/errors.md lists every code of the catalogue", async () => {
  const have = await Deno.readTextFile(new URL("../docs/errors.md", import.meta.url));
  assertEquals(have, renderErrorDocs(), "run deno run -A scripts/gen_error_docs.ts");
});

Deno.test("every code is CATEGORY_ENNN and every exit status is 1-4", () => {
  for (const [code, info] of Object.entries(ERROR_CATALOGUE)) {
    assert(/^[A-Z]+_E\d{3}$/.test(code), code);
    assert([1, 2, 3, 4].includes(info.exit), code);
  }
});

Deno.test("exitStatusOf() maps codes, and unknown errors to 2", () => {
  assertEquals(exitStatusOf(new MochiError("BLOB_E001", "x")), 4);
  assertEquals(exitStatusOf(new MochiError("INDEX_E004", "x")), 3);
  assertEquals(exitStatusOf(new MochiError("LOCK_E002", "x")), 1);
  assertEquals(exitStatusOf(new TypeError("boom")), 2);
  assertEquals(exitStatusOf({ code: "NOT_A_CODE" }), 2);
});
