import assert from "node:assert/strict";
import fc from "fast-check";
import SET from "../../capabilities/set.json" with { type: "json" };
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/mod.ts";
import {
  auditCapabilityHistory,
  capabilitiesNotCovered,
  CAPABILITY_NAMES,
  capabilityCovers,
  capabilityGate,
  CapabilityPolicy,
  capabilityProblem,
  checkCapabilityMonotonicity,
  formatGateWarnings,
  parseCapability,
  requiredWithFeatures,
} from "./mod.ts";

Deno.test("the closed set is the nine names of capabilities/set.json", () => {
  assert.deepEqual([...CAPABILITY_NAMES], Object.keys(SET.capabilities));
  assert.deepEqual([...CAPABILITY_NAMES].sort(), [
    "clock",
    "env",
    "ffi",
    "fs.read",
    "fs.write",
    "net.dial",
    "net.listen",
    "proc.spawn",
    "random",
  ]);
});

Deno.test("unknown names fail with the closest valid name", () => {
  assert.deepEqual(capabilityProblem("fs.raed"), {
    reason: 'unknown capability "fs.raed"',
    closest: "fs.read",
  });
  assert.equal(capabilityProblem("net.dail:x:1")?.closest, "net.dial");
  assert.equal(capabilityProblem("proc.spwan")?.closest, "proc.spawn");
  assert.throws(
    () => parseCapability("netdial"),
    (e) =>
      e instanceof MochiError && e.code === "CAP_E003" && /did you mean "net.dial"/.test(e.message),
  );
  assert.match(capabilityProblem("clock:utc")!.reason, /takes no scope/);
  assert.match(capabilityProblem("fs.read:")!.reason, /empty scope/);
  assert.equal(capabilityProblem("net.dial:[::1]:443"), undefined);
});

Deno.test("the manifest parser uses the closed set (MANIFEST_E008 names the closest)", () => {
  const text = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
json = { version = "^1", capabilities = ["fs.raed"] }
`;
  assert.throws(
    () => parseManifest(text, "mochi.toml"),
    (e) => e instanceof MochiError && e.code === "MANIFEST_E008" && /"fs.read"/.test(e.message),
  );
});

Deno.test("cover rule per scope kind", () => {
  assert.ok(capabilityCovers("fs.read", "fs.read:/data"));
  assert.ok(capabilityCovers("fs.read:/data", "fs.read:/data/x/y"));
  assert.ok(capabilityCovers("fs.read:/data/", "fs.read:/data"));
  assert.ok(!capabilityCovers("fs.read:/data", "fs.read:/database"));
  assert.ok(!capabilityCovers("fs.read:/data", "fs.read"));
  assert.ok(!capabilityCovers("fs.read", "fs.write"));
  assert.ok(capabilityCovers("net.dial:example.com", "net.dial:example.com:443"));
  assert.ok(!capabilityCovers("net.dial:example.com:80", "net.dial:example.com:443"));
  assert.ok(capabilityCovers("net.dial:*.example.com", "net.dial:api.example.com:443"));
  assert.ok(!capabilityCovers("net.dial:*.example.com", "net.dial:example.org"));
  assert.ok(capabilityCovers("net.dial:[::1]", "net.dial:[::1]:8080"));
  assert.ok(capabilityCovers("env:AWS_*", "env:AWS_REGION"));
  assert.ok(!capabilityCovers("env:AWS", "env:AWS_REGION"));
  assert.ok(capabilityCovers("proc.spawn:git", "proc.spawn:git"));
  assert.ok(!capabilityCovers("proc.spawn:git", "proc.spawn:sh"));
  assert.deepEqual(
    capabilitiesNotCovered(["fs.read:/a", "net.dial", "fs.read:/a"], ["fs.read"]),
    ["net.dial"],
  );
});

Deno.test("cover is reflexive and an unscoped entry covers every scope (property)", () => {
  const segment = fc.stringMatching(/^[a-z0-9_][a-z0-9_.]{0,5}$/).filter((x) => x !== "..");
  const path = fc.tuple(fc.constantFrom("/", "./", ""), fc.array(segment, { minLength: 1 }))
    .map(([lead, segs]) => lead + segs.join("/"));
  const entry = fc.oneof(
    fc.tuple(fc.constantFrom("fs.read", "fs.write", "ffi"), path),
    fc.tuple(fc.constantFrom("net.dial", "net.listen"), fc.domain().map((d) => d.toLowerCase())),
    fc.tuple(fc.constant("env"), fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}\*?$/)),
    fc.tuple(fc.constant("proc.spawn"), fc.stringMatching(/^[a-z0-9_][a-z0-9_.+-]{0,8}$/)),
  );
  fc.assert(fc.property(entry, ([n, s]) => {
    assert.ok(capabilityCovers(`${n}:${s}`, `${n}:${s}`));
    assert.ok(capabilityCovers(n, `${n}:${s}`));
    assert.ok(!capabilityCovers(`${n}:${s}`, n));
  }));
});

Deno.test("optional_features add their capabilities when the feature is on", () => {
  const decl = {
    required: ["fs.read"],
    optional: ["net.dial"],
    optionalFeatures: { remote: ["net.dial"] },
  };
  assert.deepEqual(requiredWithFeatures(decl), ["fs.read"]);
  assert.deepEqual(requiredWithFeatures(decl, ["remote", "nope"]), ["fs.read", "net.dial"]);
});

Deno.test("policy: dependency pin, then global allowed; no pin accepts everything", () => {
  const { manifest } = parseManifest(
    `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
json = { version = "^1", capabilities = ["fs.read"] }
http = "^2"
`,
    "mochi.toml",
  );
  const p = CapabilityPolicy.fromManifest(manifest);
  assert.equal(p.check("json", ["fs.read:/etc"]), undefined);
  assert.deepEqual(p.check("json", ["fs.read", "net.dial"]), {
    consumer: "app",
    source: "dependency",
    pinned: ["fs.read"],
    required: ["fs.read", "net.dial"],
    excess: ["net.dial"],
  });
  assert.equal(p.check("http", ["net.dial", "ffi"]), undefined);
  const g = new CapabilityPolicy("app", new Map(), ["net.dial"]);
  assert.equal(g.check("x", ["ffi"])?.source, "allowed");
  assert.deepEqual(g.check("x", ["ffi"])?.excess, ["ffi"]);
});

Deno.test("gate: a package that newly requires a capability is blocked until accepted", () => {
  const previousSeen = new Map([["json", ["fs.read"]], ["util", []]]);
  const packages = [
    { name: "json", version: "1.3.0", capabilities: ["fs.read", "net.dial"] },
    { name: "util", version: "1.0.1", capabilities: [] },
  ];
  const r = capabilityGate({ previousSeen, packages, manifestChanged: false });
  assert.deepEqual(r.blocked, [
    { name: "json", version: "1.3.0", capability: "net.dial", previously: ["fs.read"] },
  ]);
  assert.deepEqual(formatGateWarnings(r.blocked), [
    'warning: json 1.3.0 newly requires capability "net.dial"',
    '  Previously seen capabilities: ["fs.read"]',
    "  Audit and accept with: mochi lock --accept-capabilities=json",
  ]);
  const ok = capabilityGate({ previousSeen, packages, manifestChanged: false, accept: ["json"] });
  assert.equal(ok.blocked.length, 0);
  assert.equal(ok.accepted.length, 1);
  assert.deepEqual(ok.seen.get("json"), ["fs.read", "net.dial"]);
  const other = capabilityGate({
    previousSeen,
    packages,
    manifestChanged: false,
    accept: ["util"],
  });
  assert.equal(other.blocked.length, 1);
  // Narrowing a scope is not new; a first lock records everything.
  assert.equal(
    capabilityGate({
      previousSeen: new Map([["json", ["fs.read"]]]),
      packages: [{ name: "json", version: "1.3.0", capabilities: ["fs.read:/x"] }],
      manifestChanged: false,
    }).blocked.length,
    0,
  );
  assert.equal(
    capabilityGate({ previousSeen: undefined, packages, manifestChanged: true }).blocked.length,
    0,
  );
});

Deno.test("gate: a new transitive package is gated only when the manifest did not change", () => {
  const previousSeen = new Map([["json", ["fs.read"]]]);
  const packages = [
    { name: "json", version: "1.2.0", capabilities: ["fs.read"] },
    { name: "helper", version: "0.1.0", capabilities: ["proc.spawn"] },
  ];
  const update = capabilityGate({ previousSeen, packages, manifestChanged: false });
  assert.deepEqual(update.blocked.map((f) => [f.name, f.capability, f.previously]), [[
    "helper",
    "proc.spawn",
    undefined,
  ]]);
  assert.match(formatGateWarnings(update.blocked)[1]!, /was not in mochi.lock/);
  const edit = capabilityGate({ previousSeen, packages, manifestChanged: true });
  assert.equal(edit.blocked.length, 0);
  assert.deepEqual(edit.seen.get("helper"), ["proc.spawn"]);
});

Deno.test("monotonicity: a patch release may not add a capability (CAP_E002)", () => {
  const history = [
    { version: "1.0.0", capabilities: ["fs.read"] },
    { version: "1.0.1", capabilities: ["fs.read"] },
    { version: "1.1.0", capabilities: ["fs.read", "env"] },
  ];
  const bad = checkCapabilityMonotonicity(history, {
    version: "1.1.1",
    capabilities: ["fs.read", "env", "net.dial"],
  });
  assert.equal(bad.ok, false);
  assert.equal(bad.bump, "patch");
  assert.equal(bad.previous, "1.1.0");
  assert.deepEqual(bad.added, ["net.dial"]);
  assert.equal(bad.error?.code, "CAP_E002");
  assert.match(bad.error!.message, /patch release 1.1.1 adds capability "net.dial"/);
  // Removing, narrowing, and adding in minor/major are fine.
  assert.ok(checkCapabilityMonotonicity(history, { version: "1.1.1", capabilities: [] }).ok);
  assert.ok(
    checkCapabilityMonotonicity(history, { version: "1.1.1", capabilities: ["fs.read:/x"] }).ok,
  );
  const minor = checkCapabilityMonotonicity(history, {
    version: "1.2.0",
    capabilities: ["fs.read", "ffi"],
  });
  assert.ok(minor.ok);
  assert.deepEqual(minor.suspicious, ["ffi"]);
  assert.deepEqual(minor.removed, ["env"]);
  const major = checkCapabilityMonotonicity(history, {
    version: "2.0.0",
    capabilities: ["proc.spawn"],
  });
  assert.equal(major.bump, "major");
  assert.deepEqual(major.suspicious, []);
  // A back-port patch compares with the highest release below it, not the newest overall.
  const backport = checkCapabilityMonotonicity(history, {
    version: "1.0.2",
    capabilities: ["fs.read", "env"],
  });
  assert.equal(backport.previous, "1.0.1");
  assert.equal(backport.ok, false);
  // A release may add to its own release candidate; the first release is always fine.
  assert.ok(
    checkCapabilityMonotonicity([{ version: "3.0.0-rc.1", capabilities: [] }], {
      version: "3.0.0",
      capabilities: ["net.dial"],
    }).ok,
  );
  assert.equal(
    checkCapabilityMonotonicity([], { version: "0.1.0", capabilities: [] }).bump,
    "first",
  );
});

Deno.test("audit: history walk flags patch additions and, with suspicious, the xz pattern", () => {
  const releases = [
    { version: "5.4.6", capabilities: ["fs.read", "fs.write"] },
    { version: "5.6.0", capabilities: ["fs.read", "fs.write", "ffi"] },
    { version: "5.4.5", capabilities: ["fs.read", "fs.write"] },
    { version: "5.6.1", capabilities: ["fs.read", "fs.write", "ffi", "proc.spawn"] },
  ];
  assert.deepEqual(auditCapabilityHistory("xz", releases), [
    {
      name: "xz",
      version: "5.6.1",
      previous: "5.6.0",
      kind: "patch-adds",
      capabilities: ["proc.spawn"],
    },
  ]);
  assert.deepEqual(
    auditCapabilityHistory("xz", releases, { suspicious: true }).map((f) => [f.version, f.kind]),
    [["5.6.0", "suspicious-minor"], ["5.6.1", "patch-adds"]],
  );
});
