/**
 * Issue 13's terminal output, through the real CLI: a registry retry is announced
 * (`network error from <url>, retrying in … (2/6)`, or the HTTP status), and a registry error
 * says where the registry's URL came from; colour follows `--color` and `NO_COLOR`; without a
 * terminal there is no progress line and no escape code, only append-only lines.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, writeProject, writeRegistry } from "./helpers.ts";
import { startFakeRegistry } from "./fake_registry.ts";
import { guardedTest } from "./stray.ts";
import { retryLine } from "../src/cli/common.ts";
import { useColour } from "../src/cli/terminal.ts";
import { indexPath } from "../src/index/index_path.ts";

guardedTest("a registry retry is announced with its URL, the wait and the attempt", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-retry-" });
  try {
    await writeRegistry(`${tmp}/reg`, [{ name: "solo", version: "1.0.0" }]);
    await writeProject(`${tmp}/project`, { solo: "1" });
    await using reg = startFakeRegistry(`${tmp}/reg`);
    const path = indexPath("solo");
    reg.fault(path, (n) => (n === 1 ? { status: 503 } : undefined));
    const r = await runCli(["install", "-C", `${tmp}/project`], {
      env: {
        MOCHI_HOME: `${tmp}/home`,
        MOCHI_REGISTRY: reg.url,
        MOCHI_TEST: "1",
        MOCHI_TEST_RETRY_BASE_MS: "1",
      },
    });
    assertEquals(r.code, 0, r.stderr);
    assert(
      new RegExp(`HTTP 503[^\\n]* from ${reg.url}${path}, retrying in \\d+ ms \\(2/6\\)`).test(
        r.stderr,
      ),
      r.stderr,
    );
    // Not a terminal: no progress line, no escape codes.
    assert(!r.stderr.includes("\x1b"), JSON.stringify(r.stderr));
    const q = await runCli(["install", "-q", "-C", `${tmp}/project`], {
      env: {
        MOCHI_HOME: `${tmp}/home2`,
        MOCHI_REGISTRY: reg.url,
        MOCHI_TEST: "1",
        MOCHI_TEST_RETRY_BASE_MS: "1",
      },
    });
    assertEquals([q.code, q.stdout], [0, ""], q.stderr);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("retryLine: cargo-style wording", () => {
  assertEquals(
    retryLine({
      url: "http://127.0.0.1:1/x",
      reason: "network error: connection refused",
      attempt: 2,
      attempts: 6,
      delayMs: 1000,
    }),
    "network error from http://127.0.0.1:1/x, retrying in 1 s (2/6)",
  );
  assertEquals(
    retryLine({
      url: "u",
      reason: "timed out after 30000 ms",
      attempt: 3,
      attempts: 6,
      delayMs: 250,
    }),
    "timed out after 30000 ms from u, retrying in 250 ms (3/6)",
  );
});

Deno.test("useColour: --color decides; auto means a terminal without NO_COLOR or TERM=dumb", () => {
  assertEquals(useColour("always", { NO_COLOR: "1" }, false), true);
  assertEquals(useColour("never", {}, true), false);
  assertEquals(useColour(undefined, {}, true), true);
  assertEquals(useColour("auto", { NO_COLOR: "1" }, true), false);
  assertEquals(useColour("auto", { NO_COLOR: "" }, true), true);
  assertEquals(useColour("auto", { TERM: "dumb" }, true), false);
  assertEquals(useColour("auto", {}, false), false);
});

Deno.test("--color=always colours errors even in a pipe; --color=never and NO_COLOR do not", async () => {
  const always = await runCli(["instal", "--color=always"]);
  assert(always.stderr.includes("\x1b[31merror[CLI_E001]\x1b[39m"), JSON.stringify(always.stderr));
  const never = await runCli(["instal", "--color", "never"]);
  assert(!never.stderr.includes("\x1b"), never.stderr);
  const bad = await runCli(["instal", "--color=sometimes"]);
  assertEquals(bad.code, 1);
  assert(bad.stderr.includes('--color takes auto, always or never, got "sometimes"'), bad.stderr);
});

guardedTest("an unreachable registry's error says where its URL is set", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-origin-" });
  try {
    // A port that was free a moment ago: nothing listens there.
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${(l.addr as Deno.NetAddr).port}/`;
    l.close();
    const env = {
      MOCHI_HOME: `${tmp}/home`,
      MOCHI_TEST: "1",
      MOCHI_TEST_RETRY_BASE_MS: "1",
    };
    await writeProject(`${tmp}/a`, { solo: "1" });
    const fromEnv = await runCli(["install", "-C", `${tmp}/a`], {
      env: { ...env, MOCHI_REGISTRY: url },
    });
    assertEquals(fromEnv.code, 3, fromEnv.stderr);
    assert(
      fromEnv.stderr.includes(
        `the registry ${url} is set in the MOCHI_REGISTRY environment variable`,
      ),
      fromEnv.stderr,
    );
    assert(fromEnv.stderr.includes(`network error from ${url}`), fromEnv.stderr);
    await writeProject(`${tmp}/b`, { solo: "1" }, `[registry]\ndefault = "${url}"\n`);
    const fromToml = await runCli(["install", "-C", `${tmp}/b`], { env });
    assertEquals(fromToml.code, 3, fromToml.stderr);
    assert(
      fromToml.stderr.includes(`the registry ${url} is set in ${tmp}/b/mochi.toml:2`),
      fromToml.stderr,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
