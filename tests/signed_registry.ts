/**
 * The signed-registry setup the publish and signed-install tests share: a registry directory for
 * `mochi registry serve --allow-publish`, the fake Sigstore's trusted root beside it, a signed
 * snapshot when asked, and the environment of a publisher signing with the fake.
 *
 * @module
 */
import {
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "../src/registry/server/registry_snapshot.ts";
import type { FakeSigstore } from "./fake_sigstore.ts";

/** What {@link writeSignedRegistry} wrote. */
export interface SignedRegistryFiles {
  /** The registry directory (`config.json` written; its snapshot signed when asked). */
  reg: string;
  /** The fake's trusted root (for `--trusted-root` and `MOCHI_SIGSTORE_ROOT`). */
  rootFile: string;
  /** `mochi registry serve` arguments: `--allow-publish`, `--trusted-root`, `--snapshot-key`. */
  serveArgs: string[];
}

/**
 * Writes `<tmp>/registry` with its `config.json`, and the fake Sigstore's trusted root as
 * `<tmp>/trusted_root.json`; with `snapshot`, a snapshot key (`<tmp>/snapshot.key`) and the
 * registry's signed snapshot.
 *
 * @param tmp the test's temporary directory
 * @param fake the fake Sigstore whose root the registry trusts
 * @returns the paths and the serve arguments
 */
export async function writeSignedRegistry(
  tmp: string,
  fake: FakeSigstore,
  { snapshot = false }: { snapshot?: boolean } = {},
): Promise<SignedRegistryFiles> {
  const reg = `${tmp}/registry`;
  await Deno.mkdir(reg);
  await Deno.writeTextFile(`${reg}/config.json`, '{"dl": "blobs/", "api": null}');
  const rootFile = `${tmp}/trusted_root.json`;
  await Deno.writeTextFile(rootFile, fake.trustedRootJson);
  const serveArgs = ["--allow-publish", "--trusted-root", rootFile];
  if (snapshot) {
    const keyPath = `${tmp}/snapshot.key`;
    await writeSnapshotKeyFile(keyPath);
    await writeRegistrySnapshot(reg, { privateKeyFile: await Deno.readTextFile(keyPath) });
    serveArgs.push("--snapshot-key", keyPath);
  }
  return { reg, rootFile, serveArgs };
}

/**
 * The environment of a `mochi publish` signing with the fake Sigstore.
 *
 * @param home the publisher's `MOCHI_HOME`
 * @param registry the registry's URL
 * @param fake the fake Sigstore (Fulcio and Rekor)
 */
export function publisherEnv(
  home: string,
  registry: string,
  fake: FakeSigstore,
): Record<string, string> {
  return {
    MOCHI_HOME: home,
    MOCHI_REGISTRY: registry,
    MOCHI_FULCIO_URL: fake.url,
    MOCHI_REKOR_URL: fake.url,
  };
}

/** The commit every simulated GitHub Actions run of these tests builds. */
export const CI_COMMIT = "0123456789abcdef0123456789abcdef01234567";

/**
 * The environment of a simulated GitHub Actions run that tags `tag` of `repo`, with the fake's
 * OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` and its bearer token).
 *
 * @param fake the fake Sigstore
 * @param repo `owner/name`
 * @param tag the tag the run builds (`GITHUB_REF` `refs/tags/<tag>`)
 */
export function githubActionsEnv(
  fake: FakeSigstore,
  repo: string,
  tag: string,
): Record<string, string> {
  return {
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: repo,
    GITHUB_SHA: CI_COMMIT,
    GITHUB_REF: `refs/tags/${tag}`,
    ACTIONS_ID_TOKEN_REQUEST_URL: fake.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.oidcRequestToken,
  };
}
