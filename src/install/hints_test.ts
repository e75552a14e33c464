/**
 * Capability pins through the solver (a custom cause worded by `src/capability/cause.ts`) and the
 * `mochi.toml` fix options `manifestHints` adds to a failure; the solver's own report names no
 * manifest.
 */
import assert from "node:assert/strict";
import { formatVersion, type Version } from "../semver/mod.ts";
import { CapabilityCause, CapabilityPolicy } from "../capability/mod.ts";
import {
  type DependencyProvider,
  NoSolutionError,
  OfflineDependencyProvider,
  type RequirementRange,
  solve,
} from "../solver/mod.ts";
import { isCapabilityFailure, manifestHints } from "./hints.ts";

/** An in-memory registry whose versions carry required capabilities, checked by a policy. */
class CapsProvider implements DependencyProvider {
  readonly caps = new Map<string, string[]>();
  readonly inner = new OfflineDependencyProvider();
  constructor(readonly policy: CapabilityPolicy) {}
  put(name: string, version: string, deps: Record<string, string>, caps: string[]) {
    this.inner.add(name, version, deps);
    this.caps.set(`${name}@${version}`, caps);
  }
  listVersions(name: string): Version[] {
    return this.inner.listVersions(name);
  }
  getDependencies(name: string, v: Version): Map<string, RequirementRange> {
    return this.inner.getDependencies(name, v);
  }
  checkVersion(name: string, v: Version): CapabilityCause | undefined {
    const exclusion = this.policy.check(name, this.caps.get(`${name}@${formatVersion(v)}`) ?? []);
    return exclusion === undefined ? undefined : new CapabilityCause(exclusion);
  }
}

const ROOT = (deps: Record<string, string>) => ({
  name: "app",
  version: "0.1.0",
  dependencies: deps,
});

Deno.test("a pin skips versions that need more, and picks the newest that fits", async () => {
  const p = new CapsProvider(new CapabilityPolicy("app", new Map([["json", ["fs.read"]]])));
  p.put("json", "1.0.0", {}, ["fs.read"]);
  p.put("json", "1.1.0", {}, ["fs.read"]);
  p.put("json", "1.2.0", {}, ["fs.read", "net.dial"]);
  p.put("json", "1.3.0", {}, ["fs.read", "net.dial"]);
  const picked = await solve(p, ROOT({ json: "^1" }));
  assert.equal(picked.get("json"), "1.1.0");
});

Deno.test("a pin that excludes every version gives a report naming the capability", async () => {
  const p = new CapsProvider(new CapabilityPolicy("app", new Map([["json", ["fs.read"]]])));
  p.put("json", "1.2.0", {}, ["fs.read", "net.dial"]);
  p.put("json", "1.3.0", {}, ["fs.read", "net.dial"]);
  const err = await solve(p, ROOT({ json: "^1.2" })).then(
    () => assert.fail("expected no solution"),
    (e) => e,
  );
  assert.ok(err instanceof NoSolutionError);
  assert.ok(isCapabilityFailure(err));
  assert.ok(!err.report.includes("mochi.toml"), "the solver's own report names no manifest");
  const lines = err.with({ hints: manifestHints(err) }).report.split("\n");
  assert.equal(
    lines[0],
    'Because app depends on json ^1.2 which cannot be used: app pins json with capabilities ["fs.read"], but every version of json requires ["fs.read", "net.dial"], version solving failed.',
  );
  assert.ok(lines.includes("Fix options:"));
  assert.ok(
    lines.includes(
      '  - widen the capability pin of json in mochi.toml to capabilities = ["fs.read", "net.dial"] (adds ["net.dial"]), after auditing why it needs them',
    ),
    lines.join("\n"),
  );
});

Deno.test("different required sets stay separate causes; global allowed applies transitively", async () => {
  const p = new CapsProvider(new CapabilityPolicy("app", new Map(), ["fs.read", "net.dial"]));
  p.put("web", "2.0.0", { tls: "^1" }, ["net.dial"]);
  p.put("tls", "1.0.0", {}, ["ffi"]);
  p.put("tls", "1.1.0", {}, ["ffi", "proc.spawn"]);
  const err = await solve(p, ROOT({ web: "^2" })).then(
    () => assert.fail("expected no solution"),
    (e) => e as NoSolutionError,
  );
  assert.match(
    err.report,
    /app allows only capabilities \["fs.read", "net.dial"\] \(\[capabilities\] allowed\), but tls <1.1.0 requires \["ffi"\]/,
  );
  assert.match(err.report, /but tls >=1.1.0 requires \["ffi", "proc.spawn"\]/);
  assert.match(
    err.with({ hints: manifestHints(err) }).report,
    /add \["ffi"\] to \[capabilities\] allowed in mochi.toml/,
  );
});

Deno.test("manifestHints: allow-multi-version and relaxing the root, with requirements as written", async () => {
  const p = new OfflineDependencyProvider();
  p.add("left", "1.0.0", { log: "^1.2" });
  p.add("right", "1.0.0", { log: "2.0" });
  for (const v of ["1.2.0", "1.3.0", "2.0.0", "2.1.0"]) p.add("log", v, {});
  const err = await solve(p, ROOT({ left: "1", right: "1" })).then(
    () => assert.fail("expected no solution"),
    (e) => e as NoSolutionError,
  );
  assert.ok(!isCapabilityFailure(err));
  const hints = manifestHints(err);
  assert.ok(
    hints.some((h) =>
      /^allow several versions of log: add "log" to allow-multi-version \(every version of (left|right) needs \^(1\.2|2\.0), every version of (left|right) needs \^(1\.2|2\.0)\)$/
        .test(h)
    ),
    hints.join("\n"),
  );
  assert.ok(hints.includes("relax the root requirement on left (now ^1) in the manifest"));
  const report = err.with({ hints }).report;
  const fixes = report.split("\n\nFix options:\n")[1]!.split("\n");
  assert.equal(fixes[0]!.startsWith("  - allow several versions of log"), true, report);
});
