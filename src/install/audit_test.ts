import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { advisoryDatabaseOf } from "./audit.ts";

Deno.test("advisoryDatabaseOf: option, then MOCHI_ADVISORY_DB, then [audit] database; relative paths", () => {
  const env = { MOCHI_ADVISORY_DB: "env-db" };
  assert.deepEqual(advisoryDatabaseOf("/p", "m-db", { database: "flag-db", env, cwd: "/c" }), {
    given: "flag-db",
    location: "/c/flag-db",
  });
  assert.deepEqual(advisoryDatabaseOf("/p", "m-db", { env, cwd: "/c" }), {
    given: "env-db",
    location: "/c/env-db",
  });
  // The manifest's path is read from the project directory, not the working directory.
  assert.deepEqual(advisoryDatabaseOf("/p", "../db", { env: {}, cwd: "/c" }), {
    given: "../db",
    location: "/p/../db",
  });
  for (const abs of ["/abs/db", "file:///abs/db", "HTTP://127.0.0.1:1/osv.json"]) {
    assert.equal(advisoryDatabaseOf("/p", undefined, { database: abs, cwd: "/c" }).location, abs);
  }
  for (const none of [undefined, ""]) {
    assert.throws(
      () => advisoryDatabaseOf("/p", none, { env: {} }),
      (e) => e instanceof MochiError && e.code === "AUDIT_E002",
    );
  }
});
