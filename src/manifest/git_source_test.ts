import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";
import {
  formatGitSourceId,
  gitRefProblem,
  gitUrlProblem,
  isCommitId,
  parseGitSourceId,
} from "./git_source.ts";

const HEAD = `[package]
name = "app"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7"
[dependencies]
`;

function errorOf(text: string): MochiError {
  try {
    parseManifest(text);
  } catch (e) {
    assert.ok(e instanceof MochiError, String(e));
    return e;
  }
  assert.fail("expected parseManifest to throw");
}

Deno.test("gitUrlProblem: only https, http, file, ssh and git URLs, nothing git reads as an option", () => {
  for (
    const ok of [
      "https://example.org/acme/log.git",
      "http://127.0.0.1:8080/log.git",
      "file:///tmp/x/log.git",
      "ssh://git@example.org/acme/log.git",
      "git://127.0.0.1:9418/log.git",
    ]
  ) assert.equal(gitUrlProblem(ok), undefined, ok);
  for (
    const [bad, why] of [
      ["ext::sh -c touch% /tmp/pwned", /transport|whitespace/],
      ["ext::sh", /transport/],
      ["fd::17", /transport/],
      ["--upload-pack=touch /tmp/x", /"-"/],
      ["-u", /"-"/],
      ["git@example.org:acme/log.git", /scheme/],
      ["ftp://example.org/log.git", /scheme "ftp"/],
      ["https://-oProxyCommand=x/log.git", /host/],
      ["ssh://-oProxyCommand=touch/x", /host/],
      ["file://remote-host/x", /local path/],
      ["https://example.org/a b", /whitespace/],
      ["https://example.org/a\nb", /control/],
      ["https://example.org/x?branch=main", /"\?"/],
      ["", /empty/],
      ["https://e.org/" + "a".repeat(2000), /longer/],
    ] as const
  ) {
    const problem = gitUrlProblem(bad);
    assert.ok(problem !== undefined, bad);
    assert.match(problem, why, bad);
  }
});

Deno.test("gitRefProblem: check-ref-format's rules, no leading dash, hex revs", () => {
  assert.equal(gitRefProblem("branch", "main"), undefined);
  assert.equal(gitRefProblem("branch", "feature/x-1"), undefined);
  assert.equal(gitRefProblem("tag", "v1.2.0"), undefined);
  assert.equal(gitRefProblem("rev", "0123abcd"), undefined);
  assert.equal(gitRefProblem("rev", "a".repeat(40)), undefined);
  for (
    const bad of [
      "-b",
      "--upload-pack=x",
      "a..b",
      "a b",
      "a~1",
      "a^",
      "a:b",
      "a@{1}",
      "@",
      "/a",
      "a/",
      "a//b",
      "a.",
      ".a",
      "a/.b",
      "x.lock",
      "",
    ]
  ) assert.ok(gitRefProblem("branch", bad) !== undefined, bad);
});

Deno.test("git source ids: cargo's git+url?kind=ref#commit form round-trips, bad ones are refused", () => {
  const commit = "0123456789abcdef0123456789abcdef01234567";
  assert.ok(isCommitId(commit));
  assert.ok(!isCommitId(commit.toUpperCase()));
  assert.ok(!isCommitId(commit.slice(1)));
  for (
    const id of [
      { url: "file:///srv/log.git", commit },
      { url: "https://e.org/log.git", ref: { kind: "tag" as const, value: "v1.0.0" }, commit },
      { url: "https://e.org/log.git", ref: { kind: "branch" as const, value: "a/b" }, commit },
    ]
  ) assert.deepEqual(parseGitSourceId(formatGitSourceId(id)), id);
  assert.equal(
    formatGitSourceId({
      url: "https://e.org/l.git",
      ref: { kind: "branch", value: "a/b" },
      commit,
    }),
    `git+https://e.org/l.git?branch=a%2Fb#${commit}`,
  );
  for (
    const bad of [
      `registry+https://e.org/#${commit}`,
      "git+https://e.org/l.git",
      "git+https://e.org/l.git#abc",
      `git+ext::sh#${commit}`,
      `git+--upload-pack=x#${commit}`,
      `git+https://e.org/l.git?branch=-x#${commit}`,
      `git+https://e.org/l.git?path=x#${commit}`,
    ]
  ) assert.equal(typeof parseGitSourceId(bad), "string", bad);
});

Deno.test("parseManifest: a refused git URL or ref is MANIFEST_E007 at its value", () => {
  const cases: [string, number, number, RegExp][] = [
    [`x = { git = "ext::sh -c id" }\n`, 7, 13, /whitespace/],
    [`x = { git = "ext::sh%20-c%20id" }\n`, 7, 13, /transport/],
    [`x = { git = "--upload-pack=touch /tmp/p" }\n`, 7, 13, /"-"/],
    [`x = { git = "git@e.org:a/b.git" }\n`, 7, 13, /scheme/],
    [`x = { git = "https://e.org/x.git", branch = "-f" }\n`, 7, 45, /branch "-f"/],
    [`x = { git = "https://e.org/x.git", tag = "a..b" }\n`, 7, 42, /tag/],
    [`x = { git = "https://e.org/x.git", rev = "--output=x" }\n`, 7, 42, /rev/],
  ];
  for (const [line, l, c, what] of cases) {
    const e = errorOf(HEAD + line);
    assert.equal(e.code, "MANIFEST_E007", line);
    assert.equal(e.line, l, line);
    assert.equal(e.column, c, line);
    assert.match(e.message, what, line);
  }
  const ok = parseManifest(
    HEAD + `x = { git = "file:///tmp/x.git", branch = "main" }\ny = { path = "../y" }\n`,
  ).manifest;
  assert.deepEqual(ok.dependencies.get("x")!.git, { url: "file:///tmp/x.git", branch: "main" });
  assert.equal(ok.dependencies.get("y")!.path, "../y");
});

Deno.test("parseManifest: a misspelt source key gets a did-you-mean with its position", () => {
  const { warnings } = parseManifest(HEAD + `x = { git = "https://e.org/x.git", brnach = "m" }\n`);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /unknown key "brnach".*did you mean "branch"/);
  assert.deepEqual([warnings[0]!.line, warnings[0]!.column], [7, 36]);
});
