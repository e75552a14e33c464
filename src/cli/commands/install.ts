/**
 * `mochi install`: resolve (or reuse `mochi.lock`), fetch and verify every package.
 *
 * @module
 */
import { installWithChanges } from "../../install/install_changes.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import {
  andCrates,
  andGoModules,
  installOptions,
  plural,
  printLockChanges,
  printLockMerge,
  RESOLVE_OPTIONS,
  seconds,
  TRUST_OPTIONS,
  trustedRootOf,
  warnGoUnverified,
} from "../common.ts";
import { installUpToDateLine } from "../phrases.ts";

/** `mochi install`. */
export const command: CommandSpec = {
  description: "Reuses mochi.lock when it still satisfies mochi.toml, resolves otherwise; every\n" +
    "package is checked against its BLAKE3 and SHA-256 and, when signed, its Sigstore bundle.",
  options: {
    ...RESOLVE_OPTIONS,
    ...TRUST_OPTIONS,
    "require-provenance-from": {
      type: "string",
      value: "REPO",
      help:
        "refuse packages not signed from, or whose SLSA provenance names a source other than, a repository matching REPO (* is one path segment)",
    },
    json: { type: "boolean", help: "print JSON (docs/schemas/install.schema.json)" },
  },
  async run(ctx) {
    const { out } = ctx;
    const options = { ...(await installOptions(ctx)), ...(await trustedRootOf(ctx.env)) };
    const from = stringOption(ctx.values, "require-provenance-from");
    if (from !== undefined) options.requireProvenanceFrom = from;
    const r = await installWithChanges(options);
    if (flag(ctx.values, "json")) {
      out.data(JSON.stringify({
        packages: r.packages,
        crates: r.crates,
        resolved: r.resolved,
        fetched: r.fetched,
        cached: r.cached,
        lockChanged: r.lockChanged,
        lockPath: r.lockPath,
        storeDir: r.storeDir,
        registry: r.registry,
        elapsedMs: r.elapsedMs,
        solveMs: r.solveMs,
        verifiedSignatures: r.verifiedSignatures,
        unsigned: r.unsigned,
        changes: r.changes,
      }));
      return 0;
    }
    if (r.unsigned.length > 0) {
      out.warn(
        `${r.unsigned.length} package(s) have no Sigstore signature: ${
          r.unsigned.slice(0, 10).join(", ")
        }${r.unsigned.length > 10 ? ", …" : ""}`,
      );
      out.note("  (pass --require-signatures to refuse unsigned packages)");
    }
    warnGoUnverified(out, r.goUnverified);
    if (r.unchecked.length > 0) {
      out.note(
        `note: ${r.unchecked.length} locked package(s) could not be checked against the registry index (offline or unreachable): ${
          r.unchecked.slice(0, 10).join(", ")
        }${r.unchecked.length > 10 ? ", …" : ""}`,
      );
    }
    printLockMerge(out, r.merge);
    if (r.otherPlatforms.length > 0) {
      out.info(
        `Skipped ${plural(r.otherPlatforms.length, "package")} only other platforms need ` +
          `(installing for ${r.platform}): ${r.otherPlatforms.join(", ")}`,
      );
    }
    if (!r.resolved && r.fetched === 0 && !r.lockChanged) {
      const counts = { packages: r.packages, crates: r.crates, goModules: r.goModules };
      out.info(installUpToDateLine(counts, r.elapsedMs));
      // Only the up-to-date line was printed: a stamp may let the next run skip all this.
      const quiet = r.unsigned.length === 0 && r.goUnverified.length === 0 &&
        r.unchecked.length === 0 && r.merge === undefined && r.otherPlatforms.length === 0;
      if (quiet) ctx.upToDate?.(counts);
      return 0;
    }
    const mochiPackages = r.packages > 0 ||
      (r.crates === 0 && r.goModules === 0 && r.wheels === 0);
    if (r.packagesResolved && mochiPackages) {
      out.info(`Resolved ${r.packages} packages in ${seconds(r.solveMs)} from ${r.registry}`);
    }
    if (r.cratesResolved) {
      out.info(`Resolved ${plural(r.crates, "Rust crate")} from ${r.cratesIndex}`);
    }
    if (r.goResolved) {
      const proven = r.goModules - r.goUnverified.length;
      out.info(
        `Resolved ${plural(r.goModules, "Go module")} from ${r.goProxy}; h1 of each zip and ` +
          `go.mod computed, ${proven} proven in the checksum database`,
      );
    }
    if (r.pythonResolved) {
      out.info(`Resolved ${plural(r.wheels, "Python distribution")} from ${r.pythonIndex}`);
    }
    if (!r.packagesResolved && !r.cratesResolved && !r.goResolved && !r.pythonResolved) {
      out.info(
        `Using mochi.lock: ${r.packages} packages${andCrates(r.crates)}${
          andGoModules(r.goModules)
        }`,
      );
    }
    if (r.wheels > 0) {
      out.info(
        `Python: ${
          plural(r.wheels, "wheel")
        } in mochi.lock, each in the store with the SHA-256 its index published`,
      );
      if (!mochiPackages) {
        out.info(
          `Fetched ${r.fetched} wheels, checked SHA-256 against mochi.lock, stored under BLAKE3${
            r.cached ? `; ${r.cached} already in the store` : ""
          }`,
        );
      }
    }
    if (mochiPackages) {
      out.info(
        `Fetched ${r.fetched} packages, verified BLAKE3 and SHA-256 of each${
          r.cached ? `; ${r.cached} already in the store` : ""
        }`,
      );
    } else if (r.goModules > 0) {
      out.info(
        `Stored ${r.fetched} Go module zip(s) under their BLAKE3${
          r.cached ? `; ${r.cached} already in the store` : ""
        }`,
      );
    }
    if (r.verifiedSignatures > 0) {
      out.info(
        `Verified ${r.verifiedSignatures} Sigstore signatures against the publishers in mochi.lock (verification took ${
          seconds(r.verifyMs)
        })`,
      );
    }
    printLockChanges(out, r.changes);
    out.info(`${r.lockChanged ? "Wrote" : "Kept"} ${r.lockPath}`);
    out.info(`Store: ${r.storeDir}`);
    out.info(`Done in ${seconds(r.elapsedMs)}`);
    return 0;
  },
};
