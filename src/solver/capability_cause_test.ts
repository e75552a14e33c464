import assert from "node:assert/strict";
import { formatVersion, type Version, type VersionSet } from "../semver/mod.ts";
import { CapabilityPolicy } from "../capability/mod.ts";
import type { CapabilityCause } from "./incompatibility.ts";
import {
  type DependencyProvider,
  NoSolutionError,
  OfflineDependencyProvider,
  solve,
} from "./mod.ts";

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
  getDependencies(name: string, v: Version): Map<string, VersionSet> {
    return this.inner.getDependencies(name, v);
  }
  checkVersion(name: string, v: Version): string | CapabilityCause | undefined {
    const exclusion = this.policy.check(name, this.caps.get(`${name}@${formatVersion(v)}`) ?? []);
    return exclusion === undefined ? undefined : { kind: "capability", ...exclusion };
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
  const lines = err.report.split("\n");
  assert.equal(
    lines[0],
    'Because app depends on json ^1.2.0 which cannot be used: app pins json with capabilities ["fs.read"], but every version of json requires ["fs.read", "net.dial"], version solving failed.',
  );
  assert.ok(lines.includes("Fix options:"));
  assert.ok(
    lines.includes(
      '  - widen the capability pin of json in mochi.toml to capabilities = ["fs.read", "net.dial"] (adds ["net.dial"]), after auditing why it needs them',
    ),
    err.report,
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
  assert.match(err.report, /add \["ffi"\] to \[capabilities\] allowed in mochi.toml/);
});
