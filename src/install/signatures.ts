/**
 * Signature checks of the install pipeline (npm's `audit signatures`, the Sigstore client spec):
 * which signer a locked package must have, refusing a publisher change until it is accepted, and
 * verifying a package's Sigstore bundle before its blob enters the store.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { IndexRecord } from "../index/mod.ts";
import type { LockedPackage, Lockfile } from "../lockfile/mod.ts";
import { publisherIdentity } from "../publish/binding.ts";
import { subjectName } from "../publish/statement.ts";
import { runPool } from "../concurrency.ts";

/** Verified-bundle records {@link deferVerifiedRecords} writes at once. */
const FLUSH_CONCURRENCY = 16;

let verifier: typeof import("../trust/sigstore/verify.ts") | undefined;

/**
 * Loads the Sigstore verifier (on first use: commands that verify nothing do not pay for the
 * Sigstore libraries at start-up). Call it once before {@link verifyLockedPackage}.
 */
export async function loadSignatureVerifier(): Promise<void> {
  if (verifier !== undefined) return;
  // OpenSSL's ECDSA where the system's libcrypto loads (provided on import, loaded on first use).
  await import("../trust/_openssl_ecdsa.ts");
  verifier = await import("../trust/sigstore/verify.ts");
}

/**
 * The signer an index record announces (`pr.san`, `pr.iss`), as recorded in the lock.
 *
 * @param rec an index record
 * @returns `{signer, signerIssuer}` (the SAN without its ref), or undefined when unsigned
 */
export function signerOfRecord(
  rec: IndexRecord,
): { signer: string; signerIssuer: string } | undefined {
  const pr = rec.provenance;
  const san = pr?.san;
  const iss = pr?.iss;
  if (typeof san !== "string" || typeof iss !== "string" || san === "" || iss === "") {
    return undefined;
  }
  return { signer: publisherIdentity(san), signerIssuer: iss };
}

function who(p: Pick<LockedPackage, "signer" | "signerIssuer">): string {
  return p.signer === undefined ? "nobody (unsigned)" : `${p.signer} (issuer ${p.signerIssuer})`;
}

/**
 * Packages whose publisher differs from the one the previous lock recorded for the same name
 * (any version), and that are not in `accepted`. A signed package that becomes unsigned counts
 * as a change; a package new to the lock does not.
 *
 * @param before the lock on disk (undefined: first resolution)
 * @param after the lock about to be written
 * @param accepted names given with `--accept-publisher`
 * @returns one line per changed package, sorted
 */
export function publisherChanges(
  before: Lockfile | undefined,
  after: Lockfile,
  accepted: ReadonlySet<string>,
): string[] {
  const old = new Map<string, LockedPackage>();
  for (const p of before?.packages ?? []) {
    if (p.signer !== undefined || !old.has(p.name)) old.set(p.name, p);
  }
  const out = new Set<string>();
  for (const p of after.packages) {
    const o = old.get(p.name);
    if (o === undefined || accepted.has(p.name) || o.signer === undefined) continue;
    if (o.signer !== p.signer || o.signerIssuer !== p.signerIssuer) {
      out.add(`${p.name} ${p.version} is published by ${who(p)}; mochi.lock recorded ${who(o)}`);
    }
  }
  return [...out].sort();
}

/**
 * Throw `SIG_E008` when {@link publisherChanges} finds any.
 *
 * @param before the lock on disk
 * @param after the lock about to be written
 * @param accepted names given with `--accept-publisher`
 * @throws {MochiError} `SIG_E008` listing every change and the flag that accepts it
 */
export function refusePublisherChanges(
  before: Lockfile | undefined,
  after: Lockfile,
  accepted: ReadonlySet<string>,
): void {
  const changes = publisherChanges(before, after, accepted);
  if (changes.length === 0) return;
  const names = [...new Set(changes.map((c) => c.split(" ")[0]))];
  throw new MochiError(
    "SIG_E008",
    `the publisher of ${names.join(", ")} changed:\n  ${changes.join("\n  ")}`,
    {
      hint: `audit the new publisher, then accept it with ${
        names.map((n) => `--accept-publisher ${n}`).join(" ")
      }`,
    },
  );
}

/**
 * Verify a locked package's Sigstore bundle before its blob is fetched: the certificate chains
 * to the trusted root, the transparency log includes the entry, the DSSE signature holds, the
 * in-toto subject is `<name>@<version>` with the locked BLAKE3 and SHA-256, and the signer is
 * the one in the lock. The blob itself is then checked against the same digests by the store.
 *
 * @param p the locked package (with `signer`, `blake3`, `sha256`)
 * @param bundleJson the bundle text fetched from `<dl>/<b3>.sigstore`
 * @param trustedRootJson trusted root text; the public-good root when undefined
 * @throws {MochiError} naming the package: `SIG_E001`–`SIG_E004`, `SIG_E007` (the bundle does
 *   not verify), `SIG_E003` (it is about other bytes or another package), `SIG_E005` (another
 *   signer than the lock's)
 */
export function verifyLockedPackage(
  p: LockedPackage,
  bundleJson: string,
  trustedRootJson: string | undefined,
): void {
  const id = `${p.name} ${p.version}`;
  if (verifier === undefined) {
    throw new MochiError("INTERNAL_E001", "verifyLockedPackage before loadSignatureVerifier", {
      hint: "this is a bug in mochi pkg; please report it",
    });
  }
  const { verifySigstoreAttestation } = verifier;
  let verified;
  try {
    verified = verifySigstoreAttestation({
      bundleJson,
      ...(trustedRootJson === undefined ? {} : { trustedRootJson }),
      subjectDigests: { blake3: p.blake3 ?? "", sha256: p.sha256 ?? "" },
    });
  } catch (e) {
    if (e instanceof MochiError) {
      throw new MochiError(e.code, `${id}: signature does not verify: ${e.message}`, {
        hint: "the package or its bundle was altered; nothing was added to the store. " +
          "Report it to the registry",
        cause: e,
      });
    }
    throw e;
  }
  const want = subjectName(p.name, p.version);
  if (verified.subject.name !== want) {
    throw new MochiError(
      "SIG_E003",
      `${id}: the signed subject is ${JSON.stringify(verified.subject.name)}, not ${
        JSON.stringify(want)
      }`,
      { hint: "the registry serves another package's attestation; nothing was added to the store" },
    );
  }
  const san = verified.signer.subjectAlternativeName;
  const identity = publisherIdentity(san);
  if (identity !== p.signer || verified.signer.issuer !== p.signerIssuer) {
    throw new MochiError(
      "SIG_E005",
      `${id}: signed by ${san} (issuer ${verified.signer.issuer}), but the expected publisher is ${p.signer} (issuer ${p.signerIssuer})`,
      {
        hint:
          "someone other than the package's publisher signed it; nothing was added to the store",
      },
    );
  }
}

/** Tag of the verified-signature key's layout and of the checks behind it: bumped when either changes. */
const VERIFIED_KEY_TAG = "mochi verified sigstore bundle v1";

let productionRootDigest: string | undefined;
let givenRoot: { text: string; digest: string } | undefined;

/**
 * The key of a verified bundle in the store's records: SHA-256 over everything the verdict of
 * {@link verifyLockedPackage} depends on — the bundle's bytes (SHA-256), the blob it must be
 * about (`name@version`, BLAKE3 and SHA-256), the expected publisher (signer and issuer), the
 * trusted root (SHA-256 of its text, or of the public-good root's content) and the version of
 * these checks. Change any one and the key changes, so a record never stands for another
 * verification.
 *
 * @param p the locked package (`name`, `version`, `blake3`, `sha256`, `signer`, `signerIssuer`)
 * @param bundleJson the bundle text as fetched
 * @param trustedRootJson trusted root text; the public-good root when undefined
 * @returns 64 lowercase hex digits
 */
export async function verifiedSignatureKey(
  p: LockedPackage,
  bundleJson: string,
  trustedRootJson: string | undefined,
): Promise<string> {
  // node:crypto's SHA-256 for the texts of a few KiB (the small pure one took ~60 ms of a signed
  // install of 104 bundles), the trusted root's digest once per text.
  const { createHash } = await import("node:crypto");
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  let root: string;
  if (trustedRootJson !== undefined) {
    if (givenRoot?.text !== trustedRootJson) {
      givenRoot = { text: trustedRootJson, digest: sha256(trustedRootJson) };
    }
    root = `given ${givenRoot.digest}`;
  } else {
    // The shipped root's file digest (trusted_root_test.ts checks it), without loading Sigstore.
    productionRootDigest ??= (await import("../trust/sigstore/_production_trusted_root.ts"))
      .PRODUCTION_TRUSTED_ROOT_SHA256;
    root = `public-good ${productionRootDigest}`;
  }
  return sha256(JSON.stringify([
    VERIFIED_KEY_TAG,
    sha256(bundleJson),
    p.name,
    p.version,
    p.blake3 ?? "",
    p.sha256 ?? "",
    p.signer ?? "",
    p.signerIssuer ?? "",
    root,
  ]));
}

/** Where verified bundles are recorded: the store (`FsStore.hasVerified`, `FsStore.putVerified`). */
export interface VerifiedRecords {
  /**
   * Whether a verification with this key passed before.
   *
   * @param key from {@link verifiedSignatureKey}
   */
  hasVerified(key: string): Promise<boolean>;
  /**
   * Record a passed verification.
   *
   * @param key from {@link verifiedSignatureKey}
   * @param about one line saying what was verified
   */
  putVerified(key: string, about: string): Promise<void>;
}

/**
 * {@link verifyLockedPackage}, at most once per (bundle, blob, publisher, trusted root): when the
 * store records that the same verification passed, nothing is verified again; otherwise the
 * bundle is verified in full and, only once it passed, recorded. The Sigstore libraries load
 * only when a bundle has to be verified.
 *
 * @param p the locked package
 * @param bundleJson the bundle text fetched from `<dl>/<b3>.sigstore`
 * @param trustedRootJson trusted root text; the public-good root when undefined
 * @param records the store's records
 * @param verify how a bundle is verified in full: {@link verifyLockedPackage} on this thread
 *   when omitted (the install passes a Worker pool's, which runs the same function)
 * @returns `"verified"` when it was verified now, `"recorded"` when a record said it passed
 * @throws {MochiError} as {@link verifyLockedPackage} (then nothing is recorded)
 */
export async function verifyLockedPackageOnce(
  p: LockedPackage,
  bundleJson: string,
  trustedRootJson: string | undefined,
  records: VerifiedRecords,
  verify?: (
    p: LockedPackage,
    bundleJson: string,
    trustedRootJson: string | undefined,
  ) => Promise<void>,
): Promise<"verified" | "recorded"> {
  const key = await verifiedSignatureKey(p, bundleJson, trustedRootJson);
  if (await records.hasVerified(key)) return "recorded";
  if (verify !== undefined) await verify(p, bundleJson, trustedRootJson);
  else {
    await loadSignatureVerifier();
    verifyLockedPackage(p, bundleJson, trustedRootJson);
  }
  await records.putVerified(
    key,
    `${p.name} ${p.version} blake3:${p.blake3} signed by ${p.signer} (issuer ${p.signerIssuer})`,
  );
  return "verified";
}

/**
 * Records that reach `target` only on {@link DeferredVerifiedRecords.flush}: an install writes
 * the records of the bundles it verified once every artifact is in, so a refused install leaves
 * the store as it was (records read before then still come from `target`, plus this run's).
 *
 * @param target the store's records
 * @returns records to verify with, and `flush` to write what they gathered
 */
export function deferVerifiedRecords(target: VerifiedRecords): DeferredVerifiedRecords {
  const pending = new Map<string, string>();
  return {
    hasVerified: async (key) => pending.has(key) || await target.hasVerified(key),
    putVerified: (key, about) => {
      pending.set(key, about);
      return Promise.resolve();
    },
    async flush() {
      // Independent files: written side by side (one after another, ~12 file operations each,
      // they took 0.5–0.9 s for the demo's 104 bundles on a loaded machine).
      // The first alone: it may create the store's record secret, which the others then read.
      const [first, ...rest] = pending;
      pending.clear();
      if (first === undefined) return;
      await target.putVerified(...first);
      await runPool(rest, FLUSH_CONCURRENCY, ([key, about]) => target.putVerified(key, about));
    },
  };
}

/** {@link VerifiedRecords} held back until {@link DeferredVerifiedRecords.flush}. */
export interface DeferredVerifiedRecords extends VerifiedRecords {
  /** Write every record gathered so far to the target. */
  flush(): Promise<void>;
}
