/**
 * `mochi publish`: pack, sign keylessly with Sigstore and upload.
 *
 * @module
 */
import { publishPackage } from "../../publish/client/publish.ts";
import type { PackedPackage } from "../../publish/client/pack.ts";
import { type Project, readProject, registryUrlFor } from "../../install/install.ts";
import { sourceDateEpoch } from "../../store/archive.ts";
import {
  type CommandContext,
  type CommandSpec,
  flag,
  stringOption,
  stringsOption,
} from "../command.ts";
import { mochiHomeOf, projectDirOf, WORKSPACE_OPTIONS } from "../common.ts";
import {
  type MemberPublish,
  planWorkspacePublish,
  selectMembers,
} from "../../install/workspace.ts";
import { MochiError } from "../../errors.ts";

/** `mochi publish`. */
export const command: CommandSpec = {
  description:
    "The OIDC token comes from --identity-token, GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL\n" +
    "and _TOKEN) or SIGSTORE_ID_TOKEN; MOCHI_FULCIO_URL and MOCHI_REKOR_URL pick the instance.\n" +
    "With --target, each target's artifacts go to MOCHI_<ECOSYSTEM>_REGISTRY (else\n" +
    "[targets.<t>] registry) with MOCHI_<ECOSYSTEM>_TOKEN, one Sigstore bundle per artifact.",
  options: {
    "identity-token": { type: "string", value: "T", help: "the OIDC token to sign with" },
    "dry-run": {
      type: "boolean",
      help: "pack and show what would go where; sign and upload nothing",
    },
    target: {
      type: "string",
      multiple: true,
      value: "ECO",
      help:
        "publish to a target registry: npm, jsr, pypi, maven, nuget, crates, hex, swiftpm or all",
    },
    strict: {
      type: "boolean",
      help: "with --target: every target ready or none signed; stop at the first failed upload",
    },
    ...WORKSPACE_OPTIONS,
  },
  async run(ctx) {
    const { out, env } = ctx;
    const targets = stringsOption(ctx.values, "target");
    if (targets.length > 0) return await publishTargets(ctx, targets);
    if (flag(ctx.values, "strict")) {
      throw new MochiError("CLI_E001", "--strict is for publishing with --target", {
        hint: "mochi publish --target all --strict",
      });
    }
    const projectDir = await projectDirOf(ctx);
    const project = await readProject(projectDir);
    const dryRun = flag(ctx.values, "dry-run");
    if (project.workspace !== undefined) {
      return await publishWorkspace(ctx, project, projectDir, dryRun);
    }
    const token = stringOption(ctx.values, "identity-token");
    const r = await publishPackage({
      projectDir,
      registryUrl: dryRun ? "" : registryUrlFor(project, env.MOCHI_REGISTRY),
      env,
      ...(token ? { identityToken: token } : {}),
      ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
      ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
      mtimeSeconds: sourceDateEpoch(env.SOURCE_DATE_EPOCH),
      dryRun,
    });
    const id = `${r.packed.manifest.package.name} ${r.packed.manifest.package.version}`;
    out.info(
      `Packed ${id}: ${r.packed.files.length} files, ${r.packed.archive.length} bytes, blake3 ${r.packed.digest.blake3}`,
    );
    if (r.status === "dry-run") {
      out.info("Dry run: this statement would be signed (nothing was signed or uploaded):");
      for (const l of JSON.stringify(r.statement, null, 2).split("\n")) out.info(l);
    } else {
      out.info(`Signed with an ephemeral key (OIDC token from ${r.tokenSource})`);
      out.info(
        r.status === "published"
          ? `Published ${id} to ${r.apiUrl}`
          : `${id} was already published with these exact bytes; nothing changed`,
      );
    }
    return 0;
  },
};

/**
 * `mochi publish` in a workspace (cargo's `publish --workspace`/`-p`): decide the members, their
 * order and normalized manifests ({@link planWorkspacePublish}), pack every one and check it
 * against the registry's history (a member that fails stops the run before anything is signed),
 * then sign and upload each in order,
 * stopping at the first failure with what was published and what was not.
 */
async function publishWorkspace(
  ctx: CommandContext,
  project: Project,
  projectDir: string,
  dryRun: boolean,
): Promise<number> {
  const { out, env } = ctx;
  const ws = project.workspace!;
  const plan = await planWorkspacePublish(
    ws,
    selectMembers(ws, {
      packages: stringsOption(ctx.values, "package"),
      all: flag(ctx.values, "workspace"),
      cwd: projectDir,
    }),
  );
  const idOf = (p: MemberPublish) => `${p.member.name} ${p.member.version}`;
  out.info(`Publish order: ${plan.map(idOf).join(", ")}`);
  const token = stringOption(ctx.values, "identity-token");
  const base = {
    env,
    ...(token ? { identityToken: token } : {}),
    ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
    ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
    mtimeSeconds: sourceDateEpoch(env.SOURCE_DATE_EPOCH),
  };
  const registryUrl = dryRun ? "" : registryUrlFor(project, env.MOCHI_REGISTRY);
  const packed: PackedPackage[] = [];
  try {
    for (const p of plan) {
      const r = await publishPackage({
        ...base,
        projectDir: p.member.dir,
        registryUrl,
        // Every member meets the registry's rules before any member is signed.
        preflightRegistry: !dryRun,
        manifestText: p.manifestText,
        workspaceLock: { root: ws.root, member: p.member.name },
        dryRun: true,
      });
      packed.push(r.packed);
      out.info(
        `Packed ${idOf(p)} (${p.member.relDir}): ${r.packed.files.length} files, ` +
          `${r.packed.archive.length} bytes, blake3 ${r.packed.digest.blake3}`,
      );
      for (const d of p.droppedDevDependencies) {
        out.info(`  ${d} is left out (a dev-dependency with no version is not published)`);
      }
      if (dryRun) {
        out.info("  mochi.toml as published:");
        for (const l of p.manifestText.trimEnd().split("\n")) out.info(l === "" ? "" : `    ${l}`);
      }
    }
  } catch (e) {
    const status = out.error(e);
    out.note("Nothing was signed or uploaded: every member is packed and checked before any is");
    return status;
  }
  if (dryRun) {
    out.info("Dry run: nothing was signed or uploaded");
    return 0;
  }
  const done: string[] = [];
  for (const [i, p] of plan.entries()) {
    let r;
    try {
      r = await publishPackage({
        ...base,
        projectDir: p.member.dir,
        registryUrl,
        packed: packed[i]!,
        workspaceLock: { root: ws.root, member: p.member.name },
      });
    } catch (e) {
      const status = out.error(e);
      out.note(`Stopped at ${idOf(p)}:`);
      out.note(`  published: ${done.length > 0 ? done.join(", ") : "none"}`);
      out.note(`  not published: ${plan.slice(i).map(idOf).join(", ")}`);
      return status;
    }
    if (i === 0) out.info(`Signed with an ephemeral key (OIDC token from ${r.tokenSource})`);
    out.info(
      r.status === "published"
        ? `Published ${idOf(p)} to ${r.apiUrl}`
        : `${idOf(p)} was already published with these exact bytes; nothing changed`,
    );
    done.push(r.status === "published" ? idOf(p) : `${idOf(p)} (already there)`);
  }
  return 0;
}

/** `mochi publish --target …`: pack, (sign, upload) and report every target. */
async function publishTargets(ctx: CommandContext, requested: string[]): Promise<number> {
  const { out, env } = ctx;
  const projectDir = await projectDirOf(ctx);
  // Loaded only here: a plain publish pays for none of the fan-out code.
  const { readFanoutProject, selectEcosystems } = await import("../../install/fanout.ts");
  const { buildFanoutPackage, needsBundle, targetOf, targetTableFor } = await import(
    "../../fanout/mod.ts"
  );
  const { publishFanout } = await import("../../fanout/client/publish.ts");
  const { manifest } = await (await import("../../install/project.ts")).readManifest(projectDir);
  const ecosystems = selectEcosystems(requested, manifest);
  const project = await readFanoutProject(projectDir, {
    mochiHome: mochiHomeOf(ctx),
    targets: [...new Set(ecosystems.map(targetOf))],
  });
  const packages = ecosystems.map((e) => buildFanoutPackage(project, e));
  const manifestRegistries: Record<string, string> = {};
  for (const e of ecosystems) {
    // [targets.typescript] packs for npm and JSR; its one registry key is npm's.
    if (e === "jsr") continue;
    const registry = targetTableFor(manifest, e).registry;
    if (registry !== undefined) manifestRegistries[e] = registry;
  }
  const dryRun = flag(ctx.values, "dry-run");
  const token = stringOption(ctx.values, "identity-token");
  const r = await publishFanout({
    packages,
    manifestRegistries,
    env,
    dryRun,
    strict: flag(ctx.values, "strict"),
    ...(token ? { identityToken: token } : {}),
    ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
    ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
    outDir: `${projectDir}/target/fanout`,
  });
  if (dryRun) out.info("Dry run: nothing was signed or uploaded. What would be published:");
  else if (r.tokenSource) {
    out.info(`Signed with an ephemeral key (OIDC token from ${r.tokenSource})`);
  }
  let status = 0;
  for (const t of r.targets) {
    const where = t.destination === undefined
      ? "(no registry configured)"
      : `${t.destination} (${t.destinationSource})`;
    const verb = {
      packed: dryRun ? "Would publish" : "Packed",
      published: "Published",
      failed: "Failed",
      skipped: "Skipped",
    }[t.status];
    const id = t.group === undefined ? t.name : `${t.group}:${t.name}`;
    out.info(`${verb} ${t.ecosystem} ${id} ${t.version} → ${where}`);
    for (const a of t.artifacts) {
      out.info(`  ${a.fileName}  ${a.sizeBytes} bytes  sha256 ${a.sha256}`);
    }
    if (dryRun && t.status === "packed") {
      for (const a of t.artifacts.filter(needsBundle)) {
        out.info(`  ${a.fileName}.sigstore.json  (Sigstore bundle, made when publishing)`);
      }
    }
    if (t.receipt) out.info(`  → ${t.receipt.location} (HTTP ${t.receipt.status})`);
    if (t.error && t.status !== "failed") {
      out.warn(`${t.ecosystem} cannot be published: ${t.error.message}`);
    }
    if (t.status === "failed" && t.error) status = Math.max(status, out.error(t.error));
  }
  if (status === 0 && r.targets.some((t) => t.status === "skipped")) status = 1;
  return status;
}
