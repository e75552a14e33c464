import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import {
  capabilitiesNotCovered,
  capabilityCovers,
  capabilityProblem,
  checkCapabilityMonotonicity,
  normaliseCapability,
  normaliseScope,
  scopeProblem,
} from "./mod.ts";

const isCap3 = (e: unknown) => e instanceof MochiError && e.code === "CAP_E003";

Deno.test("scope grammar: each kind accepts its plain forms", () => {
  for (
    const ok of [
      "fs.read:/data",
      "fs.read:./data",
      "fs.read:data/x.json",
      "fs.read:.",
      "fs.read:/",
      "fs.write:/tmp/mochi-enforce-1a2b/out",
      "fs.read:./données",
      "ffi:/lib/x86_64-linux-gnu/libc.so.6",
      "net.dial:api.example.com:443",
      "net.dial:*.example.com",
      "net.dial:127.0.0.1:8080",
      "net.listen:[::1]:8080",
      "net.dial:_srv.example.com",
      "env:HOME",
      "env:AWS_*",
      "proc.spawn:git",
      "proc.spawn:x86_64-linux-gnu-gcc",
      "proc.spawn:/usr/bin/git",
    ]
  ) assert.equal(capabilityProblem(ok), undefined, ok);
});

Deno.test("scope grammar: shell, quoting, control characters, .. and list separators are refused", () => {
  for (
    const bad of [
      "fs.read:./x'$(touch pwned)'",
      "fs.read:./x`id`",
      "fs.read:./a;b",
      "fs.read:./a b",
      "fs.read:./a,b",
      "fs.read:./a\nb",
      "fs.read:./a\x1b[2Kb",
      "fs.read:./a\u202eb",
      "fs.read:./a\u200bb",
      "fs.read:~/.ssh",
      "fs.read:./data/../..",
      "fs.read:..",
      "fs.read:/data/..",
      "fs.write:a\\b",
      "fs.read:./a*",
      "net.dial:Example.com",
      "net.dial:example.com:0",
      "net.dial:example.com:65536",
      "net.dial:example.com:080",
      "net.dial:*",
      "net.dial:a..b",
      "net.dial:[::1",
      "net.dial:[::1]x",
      "net.dial:example.com:443:1",
      "net.dial:ex ample.com",
      "env:1ABC",
      "env:A-B",
      "env:*",
      "env:A*B",
      "proc.spawn:-rf",
      "proc.spawn:.hidden",
      "proc.spawn:sh -c",
      "proc.spawn:bin/x",
      "proc.spawn:/usr/../bin/sh",
      `fs.read:/${"a".repeat(1100)}`,
    ]
  ) {
    const problem = capabilityProblem(bad);
    assert.ok(problem !== undefined, bad);
    assert.equal(problem.closest, undefined, bad); // a scope problem, not a name problem
    assert.throws(() => capabilityCovers("fs.read", bad), isCap3, bad);
  }
  assert.match(scopeProblem("path", "./data/../..")!, /contains "\.\."/);
  // Messages quote the scope as JSON, so control characters never reach a terminal raw.
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x1f]/.test(scopeProblem("path", "a\x1b[2Kb")!));
});

Deno.test("normal form: . segments, repeated and trailing / go; relative paths start with ./", () => {
  assert.equal(normaliseScope("path", "data/"), "./data");
  assert.equal(normaliseScope("path", "./data/./x//y/"), "./data/x/y");
  assert.equal(normaliseScope("path", "./"), ".");
  assert.equal(normaliseScope("path", "//a/./b/"), "/a/b");
  assert.equal(normaliseScope("program", "git"), "git");
  assert.equal(normaliseScope("program", "/usr//bin/git"), "/usr/bin/git");
  assert.equal(normaliseCapability("fs.read:data/."), "fs.read:./data");
  assert.equal(normaliseCapability("clock"), "clock");
});

Deno.test("cover rule compares normal forms; .. never passes a pin, the gate or monotonicity", () => {
  assert.ok(capabilityCovers("fs.read:./data", "fs.read:data/x"));
  assert.ok(capabilityCovers("fs.read:data/", "fs.read:./data/./x"));
  assert.ok(capabilityCovers("fs.read:.", "fs.read:./anything/below"));
  assert.ok(!capabilityCovers("fs.read:./data", "fs.read:./database"));
  assert.ok(!capabilityCovers("fs.read:./data", "fs.read:/data"));
  assert.ok(!capabilityCovers("fs.read:/", "fs.read:./data"));
  assert.ok(capabilityCovers("proc.spawn:/usr/bin/git", "proc.spawn:/usr//bin/git"));
  // The example: a pin on ./data must not cover ./data/../.. (the entry is refused).
  assert.throws(() => capabilitiesNotCovered(["fs.read:./data/../.."], ["fs.read:./data"]), isCap3);
  const verdict = () =>
    checkCapabilityMonotonicity(
      [{ version: "1.0.0", capabilities: ["fs.read:./data"] }],
      { version: "1.0.1", capabilities: ["fs.read:./data/../.."] },
    );
  assert.throws(verdict, isCap3);
});
