/**
 * The Maven uploader against Maven's own deploy: real `mvn deploy:deploy-file` (plugin 2.7, the
 * plugins read from `~/.m2/repository` as a `file://` mirror, deploying to a loopback repository)
 * and `uploadMaven` deploy the same packed files; every file Maven PUTs, `uploadMaven` PUTs at
 * the same path with the same bytes (Maven 3.8 writes `.md5`/`.sha1`; mochi adds `.sha256` and
 * `.sha512`), and both `maven-metadata.xml` name the same coordinates, versions and release.
 * Skips, saying so, when mvn or the plugin is absent (`.ci/fanout_tools.sh` warms it).
 */
import assert from "node:assert/strict";
import { packMaven } from "../src/fanout/maven.ts";
import { uploadMaven } from "../src/fanout/client/maven.ts";
import type { FanoutPackage } from "../src/fanout/types.ts";
import { ROOT } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const dec = new TextDecoder();
const HOME = Deno.env.get("HOME") ?? "/root";
const SEED = `${HOME}/.m2/repository`;
const PLUGIN =
  `${SEED}/org/apache/maven/plugins/maven-deploy-plugin/2.7/maven-deploy-plugin-2.7.jar`;

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const ready = await has("mvn", ["-v"]) && await Deno.stat(PLUGIN).then(() => true, () => false);
if (!ready) console.log(`maven deploy comparison skipped: mvn or ${PLUGIN} is absent`);

/** A loopback repository keeping every PUT (path → bytes), 404 for what it lacks. */
function repository() {
  const files = new Map<string, Uint8Array>();
  const puts: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = new Uint8Array(await req.arrayBuffer());
    if (req.method === "PUT") {
      files.set(path, body);
      puts.push(path);
      return new Response(null, { status: 201 });
    }
    const f = files.get(path);
    return f === undefined
      ? new Response(null, { status: 404 })
      : new Response(f as Uint8Array<ArrayBuffer>);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/maven/`,
    files,
    puts,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function metadataFacts(xml: string) {
  const one = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
  return {
    groupId: one("groupId"),
    artifactId: one("artifactId"),
    release: one("release"),
    versions: [...xml.matchAll(/<version>([^<]*)<\/version>/g)].map((m) => m[1]),
  };
}

guardedTest({
  name: "maven deploy: uploadMaven PUTs every file mvn deploy:deploy-file PUTs, byte for byte",
  ignore: !ready,
  async fn() {
    const enc = new TextEncoder();
    const files: FanoutPackage["files"] = [];
    for (const p of ["dev/mochi/greet/Greet.class", "dev/mochi/greet/Greet.java"]) {
      files.push({
        path: p,
        bytes: await Deno.readFile(`${ROOT}/fixtures/fanout/lib/target/jvm/${p}`),
        executable: false,
      });
    }
    const pkg: FanoutPackage = {
      ecosystem: "maven",
      name: "greet",
      group: "dev.mochi",
      version: "0.1.0",
      mochi: { name: "@mochi/greet", version: "0.1.0" },
      description: "Greets people",
      license: "MIT",
      authors: ["Mochi Authors <authors@example.org>"],
      repository: "https://example.org/mochi/greet",
      keywords: [],
      dependencies: [],
      files,
      capabilities: [{ path: "mochi.caps.json", bytes: enc.encode("{}\n") }],
      extra: {},
    };
    const artifacts = await packMaven(pkg);
    const dir = await Deno.makeTempDir({ prefix: "mochi-maven-deploy-" });
    try {
      for (const a of artifacts) await Deno.writeFile(`${dir}/${a.fileName}`, a.bytes);
      await Deno.writeTextFile(
        `${dir}/settings.xml`,
        `<settings><mirrors><mirror><id>seed</id><mirrorOf>*</mirrorOf>` +
          `<url>file://${SEED}</url></mirror></mirrors></settings>\n`,
      );
      await using theirs = repository();
      const out = await new Deno.Command("mvn", {
        args: [
          "-B",
          "-q",
          "-s",
          `${dir}/settings.xml`,
          `-Dmaven.repo.local=${dir}/local`,
          "org.apache.maven.plugins:maven-deploy-plugin:2.7:deploy-file",
          `-Durl=${theirs.url}`,
          "-DrepositoryId=loopback",
          `-Dfile=${dir}/greet-0.1.0.jar`,
          `-DpomFile=${dir}/greet-0.1.0.pom`,
          `-Dsources=${dir}/greet-0.1.0-sources.jar`,
          `-Djavadoc=${dir}/greet-0.1.0-javadoc.jar`,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, dec.decode(out.stdout) + dec.decode(out.stderr));
      await using ours = repository();
      await uploadMaven(pkg, artifacts, { url: ours.url, timeoutMs: 10_000 });

      const meta = "/maven/dev/mochi/greet/maven-metadata.xml";
      assert.ok(theirs.puts.length >= 14, theirs.puts.join("\n"));
      for (const path of theirs.puts) {
        assert.ok(ours.files.has(path), `mochi did not PUT ${path}`);
        if (path.startsWith(meta)) continue;
        assert.deepEqual(ours.files.get(path), theirs.files.get(path), path);
      }
      assert.deepEqual(
        metadataFacts(dec.decode(ours.files.get(meta))),
        metadataFacts(dec.decode(theirs.files.get(meta))),
      );
      // What mochi adds: the SHA-256 and SHA-512 files Maven 3.8 does not write.
      const extra = ours.puts.filter((p) => !theirs.files.has(p));
      assert.ok(extra.length > 0 && extra.every((p) => /\.(sha256|sha512)$/.test(p)), extra.join());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
