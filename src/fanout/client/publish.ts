/**
 * `mochi publish --target …`: pack every target, then (unless a dry run) sign every artifact
 * keylessly and upload each target with its registry's own protocol.
 *
 * Order: plan ({@link planFanoutPublish}: registries, tokens, missing packers or uploaders) →
 * pack all targets → stop here for a dry run → one OIDC identity token → a Sigstore bundle per
 * artifact → write artifacts and bundles to `target/fanout/<ecosystem>/` → upload target by
 * target. Without `--strict` every target goes as far as it can and the failures are reported
 * together. With `--strict` nothing is signed or uploaded unless every target packed and has a
 * registry, and the first failed upload stops the rest (what was already published stays
 * published: registries do not take versions back).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { identityToken } from "../../publish/client/oidc.ts";
import { ciContext } from "../../publish/client/publish.ts";
import { PACKERS } from "../packers.ts";
import type { FanoutBuild } from "../provenance.ts";
import { planFanoutPublish } from "../publish_plan.ts";
import type {
  Artifact,
  Ecosystem,
  FanoutPackage,
  Packer,
  Uploader,
  UploadReceipt,
} from "../types.ts";
import { signArtifacts } from "./sign.ts";
import { UPLOADERS } from "./uploaders.ts";

/** Options of {@link publishFanout}. */
export interface FanoutPublishOptions {
  /** One package per target ecosystem, in the order to publish (built by `buildFanoutPackage`). */
  packages: readonly FanoutPackage[];
  /** `[targets.<t>] registry` per ecosystem, when set. */
  manifestRegistries?: Readonly<Partial<Record<Ecosystem, string>>>;
  /** The environment: `MOCHI_<ECO>_REGISTRY`, `MOCHI_<ECO>_TOKEN`, CI and OIDC variables. */
  env: Readonly<Record<string, string | undefined>>;
  /** Pack and plan only: sign nothing, upload nothing, ask for no token. */
  dryRun: boolean;
  /** All or nothing before the first upload, stop at the first failed upload. */
  strict: boolean;
  /** A token given with `--identity-token`. */
  identityToken?: string;
  /** Fulcio base URL (`MOCHI_FULCIO_URL`). */
  fulcioUrl?: string;
  /** Rekor base URL (`MOCHI_REKOR_URL`). */
  rekorUrl?: string;
  /** Where to write each target's artifacts and bundles (`<dir>/<ecosystem>/`); none when unset. */
  outDir?: string;
  /** Deadline of each registry request in milliseconds; default 120 000. */
  timeoutMs?: number;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** The packers (default the table `PACKERS`). */
  packers?: Readonly<Partial<Record<Ecosystem, Packer>>>;
  /** The uploaders (default the table `UPLOADERS`). */
  uploaders?: Readonly<Partial<Record<Ecosystem, Uploader>>>;
}

/** What happened to one target. */
export interface FanoutTargetReport {
  /** The ecosystem. */
  ecosystem: Ecosystem;
  /** The package name there. */
  name: string;
  /** Maven groupId (jvm only). */
  group?: string;
  /** The mapped version. */
  version: string;
  /** Where it goes (registry URL), when configured. */
  destination?: string;
  /** What configured the destination (`MOCHI_NPM_REGISTRY`, `[targets.typescript] registry`). */
  destinationSource?: string;
  /** The artifacts: the packer's, then the Sigstore bundles once signed. */
  artifacts: Artifact[];
  /**
   * `packed` (dry run: would be published), `published` (the registry took it, or already held
   * these exact bytes), `failed`, or `skipped` (a `--strict` run stopped first).
   */
  status: "packed" | "published" | "failed" | "skipped";
  /** The registry's receipt, when uploaded. */
  receipt?: UploadReceipt;
  /**
   * Why it failed, or (dry run) why it could not be published: a `MochiError` (its `code` says
   * which, e.g. `FANOUT_E010`).
   */
  error?: Error;
}

/** What {@link publishFanout} did. */
export interface FanoutPublishReport {
  /** One report per target, in order. */
  targets: FanoutTargetReport[];
  /** Where the OIDC token came from (never the token), when one was used. */
  tokenSource?: string;
}

function asMochiError(e: unknown): MochiError {
  if (e instanceof MochiError) return e;
  return new MochiError("INTERNAL_E001", `unexpected failure: ${(e as Error)?.message ?? e}`, {
    cause: e,
  });
}

/**
 * Publishes (or, with `dryRun`, packs and plans) every target (see the module doc).
 *
 * @param o packages, registries, environment, dry run, strict, signing and upload settings
 * @returns one report per target; the caller decides the exit status from the failures
 * @throws {MochiError} only for what stops the whole run: no OIDC token (`PUB_E009`) or the
 *   token endpoint failing (`PUB_E010`); per-target failures are in the report
 */
export async function publishFanout(o: FanoutPublishOptions): Promise<FanoutPublishReport> {
  const packers = o.packers ?? PACKERS;
  const uploaders = o.uploaders ?? UPLOADERS;
  const plan = planFanoutPublish({
    ecosystems: o.packages.map((p) => p.ecosystem),
    manifestRegistries: o.manifestRegistries ?? {},
    env: o.env,
    packers: new Set(Object.keys(packers) as Ecosystem[]),
    uploaders: new Set(Object.keys(uploaders) as Ecosystem[]),
  });
  const targets: FanoutTargetReport[] = o.packages.map((pkg, i) => {
    const p = plan[i]!;
    return {
      ecosystem: pkg.ecosystem,
      name: pkg.name,
      ...(pkg.group === undefined ? {} : { group: pkg.group }),
      version: pkg.version,
      ...(p.destination === undefined ? {} : { destination: p.destination }),
      ...(p.destinationSource === undefined ? {} : { destinationSource: p.destinationSource }),
      artifacts: [],
      status: "packed",
    };
  });
  const fail = (t: FanoutTargetReport, e: unknown) => {
    t.status = "failed";
    t.error = asMochiError(e);
  };
  const skipRest = () => {
    for (const t of targets) if (t.status === "packed") t.status = "skipped";
  };

  // 1. Pack every target (a packer is pure: nothing has left the machine yet).
  for (const [i, pkg] of o.packages.entries()) {
    const t = targets[i]!;
    const packer = packers[pkg.ecosystem];
    if (packer === undefined) {
      fail(t, plan[i]!.problem);
      continue;
    }
    try {
      t.artifacts = await packer(pkg);
    } catch (e) {
      fail(t, e);
    }
  }
  if (o.dryRun) {
    // What could not be published is said, not failed (unless --strict).
    for (const [i, t] of targets.entries()) {
      const problem = plan[i]!.problem;
      if (t.status === "packed" && problem !== undefined) {
        if (o.strict) fail(t, problem);
        else t.error = asMochiError(problem);
      }
    }
    return { targets };
  }
  for (const [i, t] of targets.entries()) {
    if (t.status === "packed" && plan[i]!.problem !== undefined) fail(t, plan[i]!.problem);
  }
  if (o.strict && targets.some((t) => t.status === "failed")) {
    skipRest();
    return { targets };
  }
  if (!targets.some((t) => t.status === "packed")) return { targets };

  // 2. One identity token, a bundle per artifact.
  const token = await identityToken({
    ...(o.identityToken ? { explicit: o.identityToken } : {}),
    env: o.env,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  for (const [i, pkg] of o.packages.entries()) {
    const t = targets[i]!;
    if (t.status !== "packed") continue;
    const ci = ciContext(o.env, pkg.repository);
    const build: FanoutBuild = {
      builderId: ci.builderId,
      ...(ci.repository ? { repository: ci.repository } : {}),
      ...(ci.commit ? { commit: ci.commit } : {}),
      ...(ci.ref ? { ref: ci.ref } : {}),
      ...(ci.invocationId ? { invocationId: ci.invocationId } : {}),
    };
    try {
      const bundles = await signArtifacts(pkg, t.artifacts, {
        identityToken: token.token,
        build,
        ...(o.fulcioUrl ? { fulcioUrl: o.fulcioUrl } : {}),
        ...(o.rekorUrl ? { rekorUrl: o.rekorUrl } : {}),
      });
      t.artifacts = [...t.artifacts, ...bundles];
    } catch (e) {
      fail(t, e);
      if (o.strict) {
        skipRest();
        return { targets, tokenSource: token.source };
      }
    }
  }

  // 3. Keep what is published beside its bundles: target/fanout/<ecosystem>/.
  if (o.outDir !== undefined) {
    for (const t of targets) {
      if (t.status !== "packed") continue;
      const dir = `${o.outDir}/${t.ecosystem}`;
      await Deno.mkdir(dir, { recursive: true });
      for (const a of t.artifacts) {
        const tmp = `${dir}/.${a.fileName}.tmp`;
        await Deno.writeFile(tmp, a.bytes);
        await Deno.rename(tmp, `${dir}/${a.fileName}`);
      }
    }
  }

  // 4. Upload, target by target.
  for (const [i, pkg] of o.packages.entries()) {
    const t = targets[i]!;
    if (t.status !== "packed") continue;
    const token = o.env[plan[i]!.tokenVariable];
    try {
      const receipt = await uploaders[pkg.ecosystem]!(pkg, t.artifacts, {
        url: t.destination!,
        ...(token ? { token } : {}),
        timeoutMs: o.timeoutMs ?? 120_000,
        ...(o.fetch ? { fetch: o.fetch } : {}),
      });
      t.receipt = receipt;
      t.status = "published";
    } catch (e) {
      fail(t, e);
      if (o.strict) {
        skipRest();
        break;
      }
    }
  }
  return { targets, tokenSource: token.source };
}
