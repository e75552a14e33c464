/**
 * The PyPI uploader against the ecosystem's own tools, all on loopback:
 * - real `twine upload` and `uploadPypi` send the same multipart form to the same recording fake
 *   (field for field, in order, the file's bytes included);
 * - a real index server, pypiserver (installed from PyPI by `.ci/fanout_tools.sh`,
 *   `MOCHI_PYPISERVER`), takes the upload, and `pip install` from it runs the code.
 * Each part skips, saying so, only when its tool is absent.
 */
import assert from "node:assert/strict";
import { packPypi } from "../src/fanout/pypi.ts";
import { uploadPypi } from "../src/fanout/client/pypi.ts";
import type { FanoutPackage } from "../src/fanout/types.ts";
import { guardedTest } from "./stray.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pkg(): FanoutPackage {
  return {
    ecosystem: "pypi",
    name: "mochi-greet",
    version: "0.2.0rc1",
    mochi: { name: "@mochi/greet", version: "0.2.0-rc.1" },
    description: "Greets people, from one Mochi library",
    license: "MIT OR Apache-2.0",
    authors: ["Ada Lovelace <ada@example.org>", "Grace Hopper"],
    repository: "https://example.org/mochi/greet",
    homepage: "https://example.org/greet",
    keywords: ["greeting", "demo"],
    readme: { path: "README.md", bytes: enc.encode("# greet\n\nSays hello.\n") },
    dependencies: [{ name: "pytest", range: ">=7", kind: "dev" }],
    files: [{
      path: "mochi_greet/__init__.py",
      bytes: enc.encode("def greet(name):\n    return 'Hello, ' + name + '!'\n"),
      executable: false,
    }],
    capabilities: [],
    extra: {
      "requires-python": ">=3.8",
      classifiers: ["Programming Language :: Python :: 3"],
    },
  };
}

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

interface Part {
  name: string;
  filename?: string;
  bytes: Uint8Array;
}

/** Splits a multipart body into its parts, as sent (no normalisation of values). */
function parts(body: Uint8Array, contentType: string): Part[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)![2]!;
  const text = new TextDecoder("latin1").decode(body);
  const out: Part[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break;
    const sep = chunk.indexOf("\r\n\r\n");
    const head = chunk.slice(2, sep);
    const value = chunk.slice(sep + 4, chunk.length - 2);
    const name = /name="([^"]*)"/.exec(head)![1]!;
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const bytes = Uint8Array.from(value, (c) => c.charCodeAt(0));
    out.push(filename === undefined ? { name, bytes } : { name, filename, bytes });
  }
  return out;
}

function recorder() {
  const forms: { auth: string | null; parts: Part[] }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    forms.push({
      auth: req.headers.get("authorization"),
      parts: parts(body, req.headers.get("content-type") ?? ""),
    });
    return new Response("OK");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/legacy/`,
    forms,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const twine = Deno.env.get("MOCHI_TWINE") ?? "twine";
const hasTwine = await has(twine, ["--version"]);
if (!hasTwine) console.log(`twine comparison skipped: ${twine} is not installed (MOCHI_TWINE)`);

guardedTest({
  name: "pypi upload: real twine and uploadPypi send the same form, field for field",
  ignore: !hasTwine,
  async fn() {
    const p = pkg();
    const artifacts = await packPypi(p);
    const dir = await Deno.makeTempDir({ prefix: "mochi-twine-" });
    try {
      for (const a of artifacts) await Deno.writeFile(`${dir}/${a.fileName}`, a.bytes);
      await using theirs = recorder();
      const out = await new Deno.Command(twine, {
        args: [
          "upload",
          "--non-interactive",
          "--disable-progress-bar",
          "--repository-url",
          theirs.url,
          "-u",
          "__token__",
          "-p",
          "pypi-tok",
          ...artifacts.map((a) => `${dir}/${a.fileName}`),
        ],
        env: { PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, dec.decode(out.stdout) + dec.decode(out.stderr));
      await using ours = recorder();
      await uploadPypi(p, artifacts, { url: ours.url, token: "pypi-tok", timeoutMs: 5000 });
      assert.equal(theirs.forms.length, 2);
      assert.equal(ours.forms.length, 2);
      for (let i = 0; i < 2; i++) {
        const t = theirs.forms[i]!;
        const o = ours.forms[i]!;
        assert.equal(o.auth, t.auth);
        const show = (f: typeof t) =>
          f.parts.map((x) =>
            x.filename === undefined
              ? `${x.name}=${dec.decode(x.bytes)}`
              : `${x.name}: ${x.filename} (${x.bytes.byteLength} bytes)`
          );
        // Same fields with the same values; twine's order follows its metadata dictionary.
        assert.deepEqual(show(o).toSorted(), show(t).toSorted());
        assert.deepEqual(o.parts.at(-1)!.bytes, t.parts.at(-1)!.bytes);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const pypiServer = Deno.env.get("MOCHI_PYPISERVER") ?? "pypi-server";
const hasServer = await has(pypiServer, ["--version"]) &&
  await has("python3", ["-m", "pip", "--version"]);
if (!hasServer) {
  console.log(`pypiserver test skipped: ${pypiServer} is not installed (MOCHI_PYPISERVER)`);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

guardedTest({
  name: "pypi upload: a real pypiserver takes the wheel and sdist; pip installs from it",
  ignore: !hasServer,
  async fn() {
    const p = pkg();
    const artifacts = await packPypi(p);
    const dir = await Deno.makeTempDir({ prefix: "mochi-pypiserver-" });
    await Deno.mkdir(`${dir}/packages`);
    const port = freePort();
    const server = new Deno.Command(pypiServer, {
      args: ["run", "-i", "127.0.0.1", "-p", String(port), "-a", ".", "-P", ".", `${dir}/packages`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const up = await fetch(`${base}/simple/`).then(async (r) => {
          await r.body?.cancel();
          return r.ok;
        }, () => false);
        if (up) break;
        if (Date.now() > deadline) throw new Error("pypiserver did not start within 20 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      const receipt = await uploadPypi(p, artifacts, { url: `${base}/`, timeoutMs: 10_000 });
      assert.equal(receipt.status, 200);
      for (const a of artifacts) {
        assert.deepEqual(await Deno.readFile(`${dir}/packages/${a.fileName}`), a.bytes);
      }
      await new Deno.Command("python3", { args: ["-m", "venv", "--without-pip", `${dir}/v`] })
        .output();
      const pip = await new Deno.Command("python3", {
        args: [
          "-m",
          "pip",
          "--python",
          `${dir}/v/bin/python`,
          "install",
          "-q",
          "--no-cache-dir",
          "--pre",
          "--index-url",
          `${base}/simple/`,
          "mochi-greet==0.2.0rc1",
        ],
        env: { PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(pip.success, dec.decode(pip.stderr));
      const run = await new Deno.Command(`${dir}/v/bin/python`, {
        args: ["-c", "import mochi_greet; print(mochi_greet.greet('index'))"],
        stdout: "piped",
      }).output();
      assert.equal(dec.decode(run.stdout), "Hello, index!\n");
    } finally {
      server.kill("SIGTERM");
      await server.stderr.cancel();
      await server.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
