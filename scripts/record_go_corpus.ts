/**
 * Records the Go corpus of `fixtures/go/` with the ordinary `go` command (the oracle of the Go
 * bridge, issue 14 "Real oracle"). Run once, online, by hand; tests only read what it wrote.
 *
 * What it does (every path below is relative to `fixtures/go/`):
 * 1. `go mod download -json <module@version>…` for every entry of {@link CORPUS} into a fresh
 *    GOPATH/GOMODCACHE; `corpus.json` keeps each module's `Sum` and `GoModSum` (the go.sum `h1:`
 *    lines, which the go command checked against the checksum database).
 * 2. The checksum database: `latest` is fetched through the proxy's `sumdb/<name>/latest`
 *    pass-through (the first entry of `go env GOPROXY`, `go env GOSUMDB` for the name), stored as
 *    the go command's own latest tree head of a second fresh GOPATH, and the download is run again
 *    there: the go command then proves every `lookup` answer in that tree head and every lookup's
 *    own (older) tree head consistent with it, and its cache keeps exactly the `lookup/…` and
 *    `tile/…` answers it used. They are copied to `sumdb/` (relative layout, no host name).
 *    Step 2b adds the tiles that prove each record in its lookup's own tree head
 *    ({@link recordOlderTiles}).
 * 3. The module-proxy layout of that second cache (`proxy/<escaped path>/@v/<version>.info`,
 *    `.mod`, `.zip`) is copied to `proxy/`.
 * 4. For every entry of {@link MAINS}: the main module's `go.mod` and `go.sum` (from the module's
 *    own zip, or the synthetic text below), `go list -m all` and `go mod verify` with a fresh
 *    GOPATH each (`GOFLAGS=-mod=mod`, so a go.sum that lacks a line is completed). Written to
 *    `main/<name>/`: `go.mod` as given to the go command (and `go.mod.after` when the go command
 *    rewrote it), `go.sum` as the go command left it, `list.txt` (`go list -m all`),
 *    `list-stderr.txt` (its notices, when it printed any; `list-error.txt` instead of `list.txt`
 *    for a case that expects the go command to fail), `verify.txt` (`go mod verify`'s output
 *    and exit status). The `.mod` and `.info` files that run fetched join `proxy/` (zips only for
 *    corpus modules).
 *
 * Usage: `nice -n 10 deno run -A scripts/record_go_corpus.ts [--only main1,main2] [--older-tiles]`
 * (about a minute; needs `go`, `curl`, `unzip`); `--only` re-records just those main modules,
 * leaving the rest; `--older-tiles` runs only step 2b.
 *
 * @module
 */
import {
  checkRecord,
  parseRecord,
  parseTree,
  proveRecord,
  recordHash,
  type Tile,
  tileHashReader,
  tilePath,
  type TileReader,
} from "../src/go/mod.ts";

/** The corpus: module@version whose `.info`, `.mod`, `.zip` and go.sum lines are kept. */
export const CORPUS: readonly string[] = [
  "golang.org/x/mod@v0.22.0",
  "golang.org/x/text@v0.1.0",
  "github.com/google/uuid@v1.6.0",
  "github.com/spf13/cobra@v1.8.1",
  "github.com/stretchr/testify@v1.9.0",
  "gopkg.in/yaml.v3@v3.0.1",
  "github.com/golang-jwt/jwt@v3.2.2+incompatible",
  "github.com/Azure/go-autorest@v14.2.0+incompatible",
  "github.com/cespare/xxhash/v2@v2.3.0",
  "github.com/cpuguy83/go-md2man/v2@v2.0.4",
  "github.com/russross/blackfriday/v2@v2.1.0",
  "github.com/spf13/pflag@v1.0.5",
  "github.com/inconshreveable/mousetrap@v1.1.0",
  "github.com/davecgh/go-spew@v1.1.1",
  "github.com/pmezard/go-difflib@v1.0.0",
  "github.com/stretchr/objx@v0.5.2",
  "gopkg.in/yaml.v2@v2.4.0",
  "github.com/BurntSushi/toml@v1.4.0",
  "github.com/Masterminds/semver/v3@v3.3.0",
  "github.com/mattn/go-isatty@v0.0.20",
  "github.com/mattn/go-colorable@v0.1.13",
  "github.com/fatih/color@v1.17.0",
  "github.com/pkg/errors@v0.9.1",
  "github.com/sirupsen/logrus@v1.9.3",
  "github.com/google/go-cmp@v0.6.0",
  "github.com/kr/pretty@v0.3.1",
  "github.com/kr/text@v0.2.0",
  "github.com/gorilla/mux@v1.8.1",
  "github.com/julienschmidt/httprouter@v1.3.0",
  "github.com/go-chi/chi/v5@v5.1.0",
  "github.com/rs/xid@v1.6.0",
  "github.com/joho/godotenv@v1.5.1",
  "github.com/hashicorp/go-version@v1.7.0",
  "github.com/mitchellh/mapstructure@v1.5.0",
  "github.com/kballard/go-shellquote@v0.0.0-20180428030007-95032a82bc51",
  "github.com/google/shlex@v0.0.0-20191202100458-e7afc7fbc510",
  "github.com/mattn/go-runewidth@v0.0.16",
  "gopkg.in/check.v1@v1.0.0-20201130134442-10cb98267c6c",
  // So that every module of the `ffi-*` build lists (and cobra's, testify's, …) has its zip.
  "gopkg.in/check.v1@v0.0.0-20161208181325-20d25e280405",
  "github.com/creack/pty@v1.1.9",
  "github.com/pkg/diff@v0.0.0-20210226163009-20ebb0f2a09e",
  "github.com/rogpeppe/go-internal@v1.9.0",
];

/** One recorded main module: a real module's own go.mod (`from`) or a synthetic `goMod` text. */
export interface MainCase {
  /** Directory name under `fixtures/go/main/`. */
  name: string;
  /** `module@version` whose zip's `go.mod` and `go.sum` are the main module's. */
  from?: string;
  /** A synthetic go.mod over real modules (replace and exclude cases). */
  goMod?: string;
  /** More files of the main module's directory (a directory replacement's go.mod), by path. */
  files?: Record<string, string>;
  /** `go list -m all` is expected to fail: its stderr is kept as `list-error.txt`. */
  expectError?: boolean;
}

/** A main module as mochi builds one for `[targets.go.ffi]` (go 1.21, the given requirements). */
function ffiMain(name: string, require: string[]): MainCase {
  return {
    name: `ffi-${name}`,
    goMod: [
      `module example.com/ffi-${name}`,
      "",
      "go 1.21",
      "",
      "require (",
      ...require.map((r) => `\t${r.replace("@", " ")}`),
      ")",
      "",
    ].join("\n"),
  };
}

/** The main modules whose `go list -m all` is recorded. */
export const MAINS: readonly MainCase[] = [
  { name: "cobra", from: "github.com/spf13/cobra@v1.8.1" },
  { name: "testify", from: "github.com/stretchr/testify@v1.9.0" },
  { name: "color", from: "github.com/fatih/color@v1.17.0" },
  { name: "logrus", from: "github.com/sirupsen/logrus@v1.9.3" },
  { name: "urfave-cli", from: "github.com/urfave/cli/v2@v2.27.4" },
  { name: "pretty", from: "github.com/kr/pretty@v0.3.1" },
  { name: "x-mod", from: "golang.org/x/mod@v0.22.0" },
  { name: "colorable", from: "github.com/mattn/go-colorable@v0.1.13" },
  { name: "yaml-v3", from: "gopkg.in/yaml.v3@v3.0.1" },
  { name: "go-toml", from: "github.com/pelletier/go-toml/v2@v2.2.2" },
  { name: "gin", from: "github.com/gin-gonic/gin@v1.10.0" },
  { name: "viper", from: "github.com/spf13/viper@v1.19.0" },
  { name: "zap", from: "go.uber.org/zap@v1.27.0" },
  { name: "client-golang", from: "github.com/prometheus/client_golang@v1.20.0" },
  { name: "x-tools", from: "golang.org/x/tools@v0.24.0" },
  { name: "client-go", from: "k8s.io/client-go@v0.31.0" },
  { name: "go-kit", from: "github.com/go-kit/kit@v0.13.0" },
  ffiMain("cobra", ["github.com/spf13/cobra@v1.8.1"]),
  ffiMain("testify", ["github.com/stretchr/testify@v1.9.0"]),
  ffiMain("pretty", ["github.com/kr/pretty@v0.3.1"]),
  ffiMain("mixed", [
    "github.com/google/uuid@v1.6.0",
    "gopkg.in/yaml.v3@v3.0.1",
    "github.com/go-chi/chi/v5@v5.1.0",
    "github.com/Masterminds/semver/v3@v3.3.0",
    "github.com/golang-jwt/jwt@v3.2.2+incompatible",
  ]),
  {
    name: "synthetic-replace",
    goMod: [
      "module example.com/replace",
      "",
      "go 1.21",
      "",
      "require (",
      "\tgithub.com/spf13/cobra v1.8.1",
      "\tgithub.com/stretchr/testify v1.9.0",
      ")",
      "",
      "replace gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.0",
      "",
      "replace github.com/spf13/pflag v1.0.5 => github.com/spf13/pflag v1.0.3",
      "",
    ].join("\n"),
  },
  {
    name: "synthetic-exclude",
    goMod: [
      "module example.com/exclude",
      "",
      "go 1.16",
      "",
      "require (",
      "\tgithub.com/sirupsen/logrus v1.9.3",
      "\tgithub.com/spf13/cobra v1.8.1",
      ")",
      "",
      "exclude github.com/stretchr/testify v1.7.0",
      "",
      "exclude github.com/davecgh/go-spew v1.1.1",
      "",
    ].join("\n"),
  },
  {
    name: "synthetic-upgrade",
    goMod: [
      "module example.com/upgrade",
      "",
      "go 1.21",
      "",
      "require (",
      "\tgithub.com/gin-gonic/gin v1.10.0",
      "\tgithub.com/stretchr/testify v1.7.0",
      ")",
      "",
    ].join("\n"),
  },
  {
    name: "synthetic-dir-replace",
    goMod: [
      "module example.com/dirreplace",
      "",
      "go 1.21",
      "",
      "require github.com/spf13/cobra v1.8.1",
      "",
      "replace github.com/spf13/pflag => ./pflag-local",
      "",
    ].join("\n"),
    // A directory replacement may declare any module path (cmd/go: "anything goes").
    files: {
      "pflag-local/go.mod":
        "module example.com/anything\n\ngo 1.21\n\nrequire github.com/kr/pretty v0.3.1\n",
    },
  },
  {
    name: "synthetic-wrong-path",
    goMod: [
      "module example.com/wrongpath",
      "",
      "go 1.21",
      "",
      "require github.com/Sirupsen/logrus v1.9.3",
      "",
    ].join("\n"),
    expectError: true,
  },
  {
    name: "synthetic-exclude-root",
    goMod: [
      "module example.com/excluderoot",
      "",
      "go 1.21",
      "",
      "require (",
      "\tgithub.com/spf13/cobra v1.8.1",
      "\tgithub.com/spf13/pflag v1.0.3",
      ")",
      "",
      "exclude github.com/spf13/pflag v1.0.3",
      "",
    ].join("\n"),
  },
];

const OUT = new URL("../fixtures/go/", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Run> {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function goEnv(gopath: string): Record<string, string> {
  return {
    GOPATH: gopath,
    GOMODCACHE: `${gopath}/pkg/mod`,
    GOFLAGS: "-mod=mod",
    GOTOOLCHAIN: "local",
    GONOSUMDB: "",
    GONOSUMCHECK: "",
    GOPRIVATE: "",
    GONOPROXY: "",
    GOWORK: "off",
  };
}

async function must(r: Run, what: string): Promise<string> {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stderr}`);
  return await Promise.resolve(r.stdout);
}

/** Splits `go mod download -json`'s stream of objects. */
function parseJsonStream(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}") {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

async function copyTree(
  from: string,
  to: string,
  keep: (rel: string) => boolean,
  rel = "",
): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(`${from}/${rel}`)) {
    const r = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory) n += await copyTree(from, to, keep, r);
    else if (e.isFile && keep(r)) {
      const dest = `${to}/${r}`;
      await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
      await Deno.copyFile(`${from}/${r}`, dest);
      n++;
    }
  }
  return n;
}

async function main() {
  const env0 = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "" };
  const tmp = await Deno.makeTempDir({ prefix: "go-corpus-" });
  const proxy = (await must(await run("go", ["env", "GOPROXY"], tmp, env0), "go env")).trim().split(
    /[,|]/,
  )[0]!;
  const sumdbName = (await must(await run("go", ["env", "GOSUMDB"], tmp, env0), "go env")).trim()
    .split(/[ +]/)[0]!;
  const version = (await must(await run("go", ["version"], tmp, env0), "go version")).trim();
  const onlyArg = Deno.args.indexOf("--only");
  const only = onlyArg >= 0
    ? new Set(Deno.args[onlyArg + 1]!.split(","))
    : Deno.args.includes("--older-tiles")
    ? new Set<string>()
    : undefined;
  if (only === undefined) await recordCorpus(tmp, env0, proxy, sumdbName);
  if (only === undefined || Deno.args.includes("--older-tiles")) {
    await recordOlderTiles(tmp, env0, proxy, sumdbName);
  }
  for (const m of MAINS) {
    if (only === undefined || only.has(m.name)) await recordMain(m, tmp, env0);
  }
  await Deno.writeTextFile(`${OUT}/go-version.txt`, version + "\n");
  if (only === undefined) {
    await Deno.writeTextFile(`${OUT}/recorded.txt`, new Date().toISOString() + "\n");
  }
  await run("chmod", ["-R", "u+w", tmp], tmp, env0);
  await Deno.remove(tmp, { recursive: true });
}

/** Steps 1 to 3: the corpus, its checksum-database answers and its proxy layout. */
async function recordCorpus(
  tmp: string,
  env0: Record<string, string>,
  proxy: string,
  sumdbName: string,
): Promise<void> {
  // The verifier key is written by hand (see fixtures/README.md) and survives a re-recording.
  const vkey = await Deno.readTextFile(`${OUT}/sumdb/vkey`).catch(() => undefined);
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${OUT}/sumdb`, { recursive: true });
  if (vkey !== undefined) await Deno.writeTextFile(`${OUT}/sumdb/vkey`, vkey);

  // 1. First download: the lookups the proxy will answer from then on.
  const w = `${tmp}/w`;
  await Deno.mkdir(w);
  const e1 = { ...env0, ...goEnv(`${tmp}/gp1`) };
  await must(await run("go", ["mod", "init", "example.com/corpus"], w, e1), "go mod init");
  await must(
    await run("go", ["mod", "download", "-json", ...CORPUS], w, e1),
    "go mod download (1)",
  );

  // 2. The newest tree head, then the same download proven against it.
  const latest = await must(
    await run("curl", ["-sSf", `${proxy}/sumdb/${sumdbName}/latest`], tmp, env0),
    "curl latest",
  );
  const gp2 = `${tmp}/gp2`;
  await Deno.mkdir(`${gp2}/pkg/sumdb/${sumdbName}`, { recursive: true });
  await Deno.writeTextFile(`${gp2}/pkg/sumdb/${sumdbName}/latest`, latest);
  const e2 = { ...env0, ...goEnv(gp2) };
  await Deno.remove(`${w}/go.sum`).catch(() => {});
  const dl = parseJsonStream(
    await must(
      await run("go", ["mod", "download", "-json", ...CORPUS], w, e2),
      "go mod download (2)",
    ),
  );
  const after = await Deno.readTextFile(`${gp2}/pkg/sumdb/${sumdbName}/latest`);
  if (after !== latest) {
    throw new Error("the tree head moved during the second download; run again");
  }
  const corpus = dl.map((d) => {
    if (d.Error) throw new Error(`${d.Path}@${d.Version}: ${d.Error}`);
    return { path: d.Path, version: d.Version, sum: d.Sum, goModSum: d.GoModSum };
  });
  await Deno.writeTextFile(`${OUT}/corpus.json`, JSON.stringify(corpus, null, 2) + "\n");
  await Deno.writeTextFile(`${OUT}/sumdb/latest`, latest);
  const dlDir = `${gp2}/pkg/mod/cache/download`;
  const nSumdb = await copyTree(`${dlDir}/sumdb/${sumdbName}`, `${OUT}/sumdb`, () => true);
  const nProxy = await copyTree(
    dlDir,
    `${OUT}/proxy`,
    (r) => !r.startsWith("sumdb/") && /\/@v\/[^/]+\.(info|mod|zip)$/.test(r),
  );
  console.log(`corpus: ${corpus.length} modules, ${nProxy} proxy files, ${nSumdb} sumdb files`);
}

/**
 * Step 2b: the tiles that prove each lookup's record in the lookup's own (older) tree head, for
 * clients that prove a record there and the tree head consistent with the newest one (the go
 * command proves records in the newest tree head instead, step 2). Computed with `src/go/`'s
 * tlog over the tiles already recorded; a missing tile is fetched through the proxy's
 * pass-through with `curl` and kept.
 */
async function recordOlderTiles(
  tmp: string,
  env0: Record<string, string>,
  proxy: string,
  sumdbName: string,
): Promise<void> {
  const dir = `${OUT}/sumdb`;
  let fetched = 0;
  const reader: TileReader = {
    height: 8,
    readTiles: (tiles: Tile[]) =>
      Promise.all(tiles.map(async (t) => {
        const file = `${dir}/${tilePath(t)}`;
        try {
          return await Deno.readFile(file);
        } catch {
          const r = await new Deno.Command("curl", {
            args: ["-sSf", `${proxy}/sumdb/${sumdbName}/${tilePath(t)}`],
            cwd: tmp,
            env: env0,
            stdout: "piped",
            stderr: "piped",
          }).output();
          if (r.code !== 0) {
            throw new Error(`curl ${tilePath(t)}: ${new TextDecoder().decode(r.stderr)}`);
          }
          await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
          await Deno.writeFile(file, r.stdout);
          fetched++;
          return r.stdout;
        }
      })),
  };
  const lookups: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(`${dir}/${rel}`)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(r);
      else lookups.push(r);
    }
  };
  await walk("lookup");
  for (const l of lookups) {
    const rec = parseRecord(await Deno.readFile(`${dir}/${l}`));
    const note = new TextDecoder().decode(rec.rest);
    const older = parseTree(note.slice(0, note.indexOf("\n\n") + 1));
    const proof = await proveRecord(older.n, rec.id, tileHashReader(older, reader));
    checkRecord(proof, older.n, older.hash, rec.id, recordHash(rec.text));
  }
  console.log(
    `older tiles: ${lookups.length} records proven in their own tree heads, ${fetched} tiles fetched`,
  );
}

/** Step 4: one main module (its folder is rewritten; `proxy/` only gains files). */
async function recordMain(m: MainCase, tmp: string, env0: Record<string, string>): Promise<void> {
  {
    const dir = `${tmp}/main-${m.name}`;
    await Deno.mkdir(dir);
    const gp = `${tmp}/gpm-${m.name}`;
    const env = { ...env0, ...goEnv(gp) };
    if (m.from) {
      const [d] = parseJsonStream(
        await must(
          await run("go", ["mod", "download", "-json", m.from], dir, {
            ...env,
            GOPATH: `${gp}-src`,
            GOMODCACHE: `${gp}-src/pkg/mod`,
          }),
          `download ${m.from}`,
        ),
      );
      for (const f of ["go.mod", "go.sum"]) {
        const r = await run("unzip", ["-p", d!.Zip!, `${m.from}/${f}`], dir, env);
        if (r.code === 0) await Deno.writeTextFile(`${dir}/${f}`, r.stdout);
      }
    } else {
      await Deno.writeTextFile(`${dir}/go.mod`, m.goMod!);
    }
    for (const [f, text] of Object.entries(m.files ?? {})) {
      await Deno.mkdir(`${dir}/${f.slice(0, f.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${f}`, text);
    }
    const before = await Deno.readTextFile(`${dir}/go.mod`);
    const list = await run("go", ["list", "-m", "all"], dir, env);
    const verify = await run("go", ["mod", "verify"], dir, env);
    const mdir = `${OUT}/main/${m.name}`;
    await Deno.remove(mdir, { recursive: true }).catch(() => {});
    await Deno.mkdir(mdir, { recursive: true });
    const goMod = await Deno.readTextFile(`${dir}/go.mod`);
    await Deno.writeTextFile(`${mdir}/go.mod`, before);
    for (const [f, text] of Object.entries(m.files ?? {})) {
      await Deno.mkdir(`${mdir}/${f.slice(0, f.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${mdir}/${f}`, text);
    }
    if (goMod !== before) await Deno.writeTextFile(`${mdir}/go.mod.after`, goMod);
    if (list.stderr !== "") {
      const name = list.code === 0 ? "list-stderr.txt" : "list-error.txt";
      await Deno.writeTextFile(`${mdir}/${name}`, list.stderr.replaceAll(tmp, "<tmp>"));
    }
    try {
      await Deno.copyFile(`${dir}/go.sum`, `${mdir}/go.sum`);
    } catch { /* no go.sum */ }
    if ((list.code !== 0) !== (m.expectError ?? false)) {
      throw new Error(`go list -m all in ${m.name}: exit ${list.code}: ${list.stderr}`);
    }
    if (list.code === 0) await Deno.writeTextFile(`${mdir}/list.txt`, list.stdout);
    await Deno.writeTextFile(
      `${mdir}/verify.txt`,
      `exit ${verify.code}\n${verify.stdout}${verify.stderr.replaceAll(tmp, "<tmp>")}`,
    );
    const n = await copyTree(
      `${gp}/pkg/mod/cache/download`,
      `${OUT}/proxy`,
      (r) => !r.startsWith("sumdb/") && /\/@v\/[^/]+\.(info|mod)$/.test(r),
    );
    console.log(
      `main ${m.name}: ${
        list.stdout.trim().split("\n").length
      } modules, verify exit ${verify.code}, ${n} files${
        before === goMod ? "" : ", go.mod changed by the go command"
      }`,
    );
  }
}

if (import.meta.main) await main();
