/**
 * The Hex packer: a package tarball as Hex's tarball specification defines it (version 3), an
 * outer uncompressed tar holding `VERSION` (`3`), `metadata.config` (Erlang terms that
 * `file:consult/1` reads, one `{Key, Value}.` per line), `contents.tar.gz` (the package files)
 * and `CHECKSUM` (the "inner checksum": uppercase hex SHA-256 of `VERSION`, `metadata.config` and
 * `contents.tar.gz` concatenated). The registry keys releases by the "outer checksum", the
 * SHA-256 of the whole tarball, which is the artifact's `sha256`.
 *
 * Follows hexpm/specifications (`package_tarball.md`, `package_metadata.md`) and hex_core's
 * `hex_tarball` (metadata written as `io_lib_pretty` prints binaries, keys in map order, build
 * tools guessed from the files at the package root, fixed mtime 2000-01-01).
 *
 * @module
 */

import { MochiError, quoteValue } from "../errors.ts";
import { type ArchiveFile, hashHex, makeArtifact, tar, tarGz } from "./archive.ts";
import { readExtra, spdxIdentifiers, utf8 } from "./_native.ts";
import type { Artifact, FanoutPackage, Packer } from "./types.ts";

/** An Erlang term as the metadata uses it: binaries, booleans, lists and 2-tuples. */
export type ErlangTerm = string | boolean | ErlangTerm[] | { tuple: [ErlangTerm, ErlangTerm] };

/**
 * One Erlang binary literal as `io_lib_pretty` prints it: `<<"text">>`, or `<<"text"/utf8>>` when
 * the text is not ASCII; `"` and `\` escaped, other control characters as octal escapes.
 */
export function erlangBinary(text: string): string {
  let body = "";
  let ascii = true;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') body += '\\"';
    else if (ch === "\\") body += "\\\\";
    else if (ch === "\n") body += "\\n";
    else if (ch === "\t") body += "\\t";
    else if (c < 0x20 || c === 0x7f) body += `\\${c.toString(8).padStart(3, "0")}`;
    else {
      if (c > 0x7f) ascii = false;
      body += ch;
    }
  }
  return ascii ? `<<"${body}">>` : `<<"${body}"/utf8>>`;
}

/** Formats a term on one line, as `file:consult/1` reads it back. */
export function formatErlangTerm(term: ErlangTerm): string {
  if (typeof term === "string") return erlangBinary(term);
  if (typeof term === "boolean") return term ? "true" : "false";
  if (Array.isArray(term)) return `[${term.map(formatErlangTerm).join(",")}]`;
  return `{${formatErlangTerm(term.tuple[0])},${formatErlangTerm(term.tuple[1])}}`;
}

function pair(key: string, value: ErlangTerm): ErlangTerm {
  return { tuple: [key, value] };
}

/** Orders keys as an Erlang map of binaries does (`maps:to_list/1`: by bytes). */
function byBytes(a: string, b: string): number {
  const x = utf8(a);
  const y = utf8(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/** Build tool files hex_core recognises at the package root (`?BUILD_TOOL_FILES`). */
const BUILD_TOOL_FILES: readonly [string, string][] = [
  ["mix.exs", "mix"],
  ["rebar.config", "rebar3"],
  ["rebar", "rebar3"],
  ["Makefile", "make"],
  ["Makefile.win", "make"],
];

const HEX_EXTRA = {
  app: {
    kind: "string",
    pattern: /^[a-z][a-z0-9_]{0,254}$/,
    expected: "an OTP application name: lowercase letters, digits and _",
  },
  "build-tools": {
    kind: "string[]",
    pattern: /^(mix|rebar3|make|erlang\.mk|gleam)$/,
    maxItems: 5,
    expected: "build tools among mix, rebar3, make, erlang.mk, gleam",
  },
  elixir: {
    kind: "string",
    pattern: /^[~><=!0-9. a-z-]+$/,
    expected: "a requirement, e.g. ~> 1.15",
  },
} as const;

/** Hex's package name rule (hexpm `Package` changeset): lowercase, digits and `_`, from a letter. */
const HEX_NAME = /^[a-z][a-z0-9_]{1,}$/;

/**
 * The `metadata.config` text of a package: every key sorted by bytes, one `{Key,Value}.` per line.
 *
 * @param pkg the package, mapped for Hex
 * @param files the paths inside `contents.tar.gz`, sorted
 * @param extra the checked extra keys
 */
function metadataConfig(
  pkg: FanoutPackage,
  files: string[],
  extra: Record<string, unknown>,
): string {
  const atRoot = new Set(files.filter((f) => !f.includes("/")));
  const guessed = [
    ...new Set(BUILD_TOOL_FILES.filter(([f]) => atRoot.has(f)).map(([, t]) => t)),
  ].sort();
  const buildTools = (extra["build-tools"] as string[] | undefined) ??
    (guessed.length > 0 ? guessed : ["rebar3"]);
  const links: ErlangTerm[] = [];
  if (pkg.homepage !== undefined) links.push(pair("Homepage", pkg.homepage));
  if (pkg.repository !== undefined) links.push(pair("Repository", pkg.repository));
  const requirements: ErlangTerm[] = pkg.dependencies.filter((d) => d.kind === "normal")
    .sort((a, b) => byBytes(a.name, b.name))
    .map((d) =>
      pair(d.name, [
        pair("app", d.name),
        pair("optional", false),
        pair("repository", "hexpm"),
        pair("requirement", d.range),
      ])
    );
  const meta = new Map<string, ErlangTerm>([
    ["app", (extra.app as string | undefined) ?? pkg.name],
    ["build_tools", buildTools],
    ["description", pkg.description ?? ""],
    ["files", files],
    ["licenses", pkg.license === undefined ? [] : spdxIdentifiers(pkg.license)],
    ["links", links],
    ["name", pkg.name],
    ["requirements", requirements],
    ["version", pkg.version],
  ]);
  if (extra.elixir !== undefined) meta.set("elixir", extra.elixir as string);
  return [...meta.keys()].sort(byBytes).map((k) => `${formatErlangTerm(pair(k, meta.get(k)!))}.\n`)
    .join("");
}

/** hex_core's tarball mtime: 2000-01-01T00:00:00Z. */
const HEX_EPOCH = 946684800;

/**
 * Packs a {@link FanoutPackage} as a Hex package tarball (`<name>-<version>.tar`): the compiler's
 * BEAM-language output (Erlang or Elixir sources with their `rebar.config`/`mix.exs`, as Hex
 * packages carry sources), the readme and the lowered capability files in `contents.tar.gz`.
 *
 * Extra `[targets.beam.metadata]` keys: `app` (OTP application name, default the package name),
 * `build-tools` (default guessed from `mix.exs`/`rebar.config`/`Makefile` at the root, else
 * `rebar3`), `elixir` (a requirement on Elixir).
 *
 * @example
 * ```ts
 * import { packHex } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const [tarball] = await packHex({
 *   ecosystem: "hex", name: "mochi_greet", version: "1.0.0", description: "Greets",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" }, authors: [], keywords: [],
 *   dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "src/greet.erl", bytes: new TextEncoder().encode("-module(greet).\n"), executable: false }],
 * });
 * assert.equal(tarball!.fileName, "mochi_greet-1.0.0.tar");
 * ```
 *
 * @param pkg the package, mapped for Hex (`scope_name`, SemVer version)
 * @returns one primary artifact, `<name>-<version>.tar` (`application/x-tar`)
 * @throws {MochiError} `FANOUT_E004` for a name Hex refuses; `FANOUT_E008` for a missing
 *   description or a bad extra key; `FANOUT_E001` for a bad or repeated path
 */
export const packHex: Packer = async (pkg: FanoutPackage): Promise<Artifact[]> => {
  if (!HEX_NAME.test(pkg.name)) {
    throw new MochiError("FANOUT_E004", `${quoteValue(pkg.name)} is not a valid Hex package name`, {
      hint:
        "Hex names are lowercase letters, digits and _, starting with a letter; set [targets.beam] name",
    });
  }
  if (pkg.description === undefined || pkg.description.trim() === "") {
    throw new MochiError("FANOUT_E008", `Hex needs a description for ${quoteValue(pkg.name)}`, {
      hint: "set [package] description in mochi.toml",
    });
  }
  for (const d of pkg.dependencies) {
    if (!HEX_NAME.test(d.name)) {
      throw new MochiError("FANOUT_E004", `${quoteValue(d.name)} is not a Hex package name`, {
        hint: "Hex names are lowercase letters, digits and _, starting with a letter",
      });
    }
  }
  const extra = readExtra(pkg, HEX_EXTRA);
  const contents: ArchiveFile[] = pkg.files.map((f) => ({ ...f }));
  for (const c of pkg.capabilities) contents.push({ path: c.path, bytes: c.bytes });
  if (pkg.readme !== undefined && !contents.some((f) => f.path === pkg.readme!.path)) {
    contents.push({ path: pkg.readme.path, bytes: pkg.readme.bytes });
  }
  const contentsTarGz = await tarGz(contents, { mtimeSeconds: HEX_EPOCH });
  const paths = contents.map((f) => f.path).sort(byBytes);
  const version = utf8("3");
  const metadata = utf8(metadataConfig(pkg, paths, extra));
  const inner = new Uint8Array(version.length + metadata.length + contentsTarGz.length);
  inner.set(version, 0);
  inner.set(metadata, version.length);
  inner.set(contentsTarGz, version.length + metadata.length);
  const checksum = utf8(hashHex("sha256", inner).toUpperCase());
  const outer = await tar([
    { path: "VERSION", bytes: version },
    { path: "CHECKSUM", bytes: checksum },
    { path: "metadata.config", bytes: metadata },
    { path: "contents.tar.gz", bytes: contentsTarGz },
  ], { mtimeSeconds: HEX_EPOCH, first: ["VERSION", "CHECKSUM", "metadata.config"] });
  return [makeArtifact("hex", `${pkg.name}-${pkg.version}.tar`, outer, "application/x-tar")];
};
