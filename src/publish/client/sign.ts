/**
 * Keyless Sigstore signing of an in-toto statement with `@sigstore/sign` (the Sigstore client spec,
 * github.com/sigstore/architecture-docs): an ephemeral ECDSA P-256 key held only in memory, a
 * Fulcio certificate for the OIDC identity token, a DSSE envelope over the statement, a Rekor
 * entry, and a bundle v0.3. Nothing is written to disk; the token is passed to Fulcio and dropped.
 *
 * The Rekor entry kind is `intoto` (v0.0.2): public Rekor accepts it, and the loopback
 * `@sigstore/mock` Rekor records it as sent (its `dsse` entries lack the signatures the verifier
 * compares).
 *
 * `@sigstore/sign` is imported on first use, so commands that never sign do not load it.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { bundleToJSON } from "@sigstore/bundle";
/** The public-good Fulcio. */
export const DEFAULT_FULCIO_URL = "https://fulcio.sigstore.dev";
/** The public-good Rekor. */
export const DEFAULT_REKOR_URL = "https://rekor.sigstore.dev";
import { MochiError } from "../../errors.ts";
import { IN_TOTO_PAYLOAD_TYPE, type Statement } from "../statement.ts";

/** Options of {@link signStatement}. */
export interface SignStatementOptions {
  /** The statement to sign (serialised as compact JSON). */
  statement: Statement;
  /** OIDC identity token (audience `sigstore`). Never logged or stored. */
  identityToken: string;
  /** Fulcio base URL; default `https://fulcio.sigstore.dev` (`MOCHI_FULCIO_URL` in the CLI). */
  fulcioUrl?: string;
  /** Rekor base URL; default `https://rekor.sigstore.dev` (`MOCHI_REKOR_URL` in the CLI). */
  rekorUrl?: string;
  /** Per-request timeout in milliseconds; default 30 000. */
  timeoutMs?: number;
}

/**
 * Sign a statement keylessly and return the Sigstore bundle as JSON text.
 *
 * @param o statement, identity token, Fulcio and Rekor URLs
 * @returns the bundle (`application/vnd.dev.sigstore.bundle.v0.3+json`), as JSON text
 * @throws {MochiError} `PUB_E010` when Fulcio or Rekor fails or refuses (the message names the
 *   service and its answer, never the token)
 */
export async function signStatement(o: SignStatementOptions): Promise<string> {
  const fulcioUrl = (o.fulcioUrl ?? DEFAULT_FULCIO_URL).replace(/\/$/, "");
  const rekorUrl = (o.rekorUrl ?? DEFAULT_REKOR_URL).replace(/\/$/, "");
  const timeout = o.timeoutMs ?? 30_000;
  const token = o.identityToken;
  // Loaded on first use: @sigstore/sign brings an HTTP stack every other command can skip.
  const { DSSEBundleBuilder, FulcioSigner, RekorWitness } = await import("@sigstore/sign");
  const signer = new FulcioSigner({
    fulcioBaseURL: fulcioUrl,
    identityProvider: { getToken: () => Promise.resolve(token) },
    timeout,
    retry: 2,
  });
  const witness = new RekorWitness({
    rekorBaseURL: rekorUrl,
    entryType: "intoto",
    timeout,
    retry: 2,
  });
  const builder = new DSSEBundleBuilder({ signer, witnesses: [witness], certificateChain: false });
  try {
    const bundle = await builder.create({
      data: Buffer.from(JSON.stringify(o.statement), "utf8"),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    return JSON.stringify(bundleToJSON(bundle));
  } catch (cause) {
    const message = (cause instanceof Error ? cause.message : String(cause)).split(token).join(
      "<token>",
    );
    throw new MochiError(
      "PUB_E010",
      `signing failed (Fulcio ${fulcioUrl}, Rekor ${rekorUrl}): ${message}`,
      {
        hint:
          "check the identity token (audience sigstore, not expired) and that Fulcio and Rekor are reachable; nothing was published",
        cause,
      },
    );
  }
}
