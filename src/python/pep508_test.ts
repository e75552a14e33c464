import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import {
  DEFAULT_MARKER_ENVIRONMENT,
  evaluateMarker,
  formatMarker,
  type MarkerEnvironment,
  parseMarker,
  parsePythonRequirement,
} from "./pep508.ts";
import { parseCoreMetadata } from "./metadata.ts";

Deno.test("PEP 508 requirements: names, extras, specifiers, parentheses, URLs, markers", () => {
  const r = parsePythonRequirement("Foo_Bar [ Socks , security,SOCKS ] ( >= 1.0 , < 2 ) ");
  assert.equal(r.name, "Foo_Bar");
  assert.equal(r.normalizedName, "foo-bar");
  assert.deepEqual(r.extras, ["security", "socks"]);
  assert.equal(r.specifier, ">=1.0,<2");
  assert.equal(r.marker, undefined);

  const u = parsePythonRequirement("pip @ https://127.0.0.1/pip-1.0.whl ; python_version > '3'");
  assert.equal(u.url, "https://127.0.0.1/pip-1.0.whl");
  assert.equal(u.specifier, "");
  assert.equal(u.markerText, "python_version > '3'");

  const m = parsePythonRequirement('idna>=2.5;python_version<"3.9" or extra == "all"');
  assert.equal(m.specifier, ">=2.5");
  assert.equal(formatMarker(m.marker!), 'python_version < "3.9" or extra == "all"');
  assert.equal(parsePythonRequirement("a==1.0.*").specifier, "==1.0.*");
  assert.equal(parsePythonRequirement("a===foobar").specifier, "===foobar");
  assert.deepEqual(parsePythonRequirement("a[]").extras, []);
});

Deno.test("PEP 508 requirements: malformed strings are PY_E003 naming the position", () => {
  for (
    const bad of [
      "",
      "-name",
      "name[",
      "name[a,",
      "name (>=1.0",
      "name @ ",
      "name @ https://127.0.0.1/x.whl; python_version > '3'", // no space before ;
      "name @ not-a-url",
      "name >=1.0 garbage",
      "name; os_name ==",
      "name; nosuch == '1'",
      "name; (os_name == 'a'",
      "name; os_name == 'unterminated",
      "x".repeat(9000),
    ]
  ) {
    assert.throws(() => parsePythonRequirement(bad), (e) => {
      assert.ok(e instanceof MochiError && e.code === "PY_E003", `${bad}: ${e}`);
      return true;
    });
  }
});

Deno.test("markers: evaluated for the default target, CPython 3.12 on linux x86_64", () => {
  const holds = (
    text: string,
    extras: string[] = [],
    env: MarkerEnvironment = DEFAULT_MARKER_ENVIRONMENT,
  ) => evaluateMarker(parseMarker(text), env, extras);
  assert.ok(holds('python_version >= "3.8"'));
  assert.ok(holds('python_version < "3.13"'));
  assert.ok(!holds('python_version < "3.10"'));
  assert.ok(holds('"3.8" < python_version')); // literal on the left
  assert.ok(holds('python_full_version >= "3.12.0rc1"')); // pre-releases compare as versions
  assert.ok(holds('python_version == "3.*"'));
  assert.ok(holds('python_version ~= "3.10"'));
  assert.ok(holds('sys_platform == "linux" and platform_machine == "x86_64"'));
  assert.ok(!holds('sys_platform == "win32"'));
  assert.ok(holds('os.name == "posix"')); // legacy dotted name
  assert.ok(holds('platform_python_implementation == "CPython"'));
  assert.ok(holds('"linux" in sys_platform'));
  assert.ok(holds('"arm" not in platform_machine'));
  assert.ok(
    holds('implementation_name == "cpython" and (os_name == "nt" or sys_platform == "linux")'),
  );
  assert.ok(!holds('platform_system == "Windows" or platform_system == "Darwin"'));
  // extra: PEP 685 normalisation on both sides; false without the extra.
  assert.ok(!holds('extra == "Test_Extra"'));
  assert.ok(holds('extra == "Test_Extra"', ["test-extra"]));
  assert.ok(holds('extra != "docs"', ["test"]));
  // A right-hand side that is not a version compares as a string.
  assert.ok(holds('platform_machine >= "x86"'));
  assert.ok(!holds('platform_release >= "5.4"')); // "" is not a version: false
});

Deno.test("core metadata: Requires-Dist, Requires-Python, Provides-Extra, continuation lines, caps", () => {
  const enc = new TextEncoder();
  const m = parseCoreMetadata(
    enc.encode(
      [
        "Metadata-Version: 2.1",
        "Name: Demo.Pkg",
        "Version: 1.0",
        "Summary: a",
        "  continued",
        "Requires-Python: >=3.8",
        "Requires-Dist: idna (>=2.5)",
        "Requires-Dist: pytest ; extra == 'Test'",
        "Provides-Extra: Test",
        "Provides-Extra: test",
        "",
        "Requires-Dist: not-a-header-this-is-the-body",
      ].join("\r\n"),
    ),
    "demo",
  );
  assert.equal(m.name, "demo-pkg");
  assert.equal(m.requiresPython, ">=3.8");
  assert.deepEqual(m.requiresDist.map((r) => r.normalizedName), ["idna", "pytest"]);
  assert.deepEqual(m.providesExtra, ["test"]);
  const fails = (bytes: Uint8Array) =>
    assert.throws(() => parseCoreMetadata(bytes, "x"), (e) => {
      assert.ok(e instanceof MochiError && e.code === "PY_E004", String(e));
      return true;
    });
  fails(enc.encode("Name: x\n")); // no Version
  fails(enc.encode("Name: x\nVersion: 1\nRequires-Dist: ???\n"));
  fails(new Uint8Array([0x4e, 0x3a, 0xff]));
  fails(enc.encode("Name: x\nVersion: 1\n" + "Requires-Dist: a\n".repeat(5001)));
});
