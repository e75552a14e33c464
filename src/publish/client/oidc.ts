/**
 * Where `mochi publish` gets its OIDC identity token (the providers Sigstore's Fulcio accepts,
 * docs.sigstore.dev "OIDC"), in order: an explicit token (`--identity-token`), GitHub Actions
 * (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience `sigstore`), GitLab
 * CI and other providers that hand the token over directly (`SIGSTORE_ID_TOKEN`). The token is kept
 * in memory only.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readAtMost } from "../../registry/client/_bounded_read.ts";

/** A token and where it came from (for messages; never the token itself). */
export interface IdentityToken {
  /** The JWT. */
  token: string;
  /** `--identity-token`, `github-actions` or `SIGSTORE_ID_TOKEN`. */
  source: string;
}

/** Options of {@link identityToken}. */
export interface IdentityTokenOptions {
  /** A token given on the command line. */
  explicit?: string;
  /** Environment variables to read. */
  env: Readonly<Record<string, string | undefined>>;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** Timeout of the GitHub token request in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/** Largest OIDC token endpoint answer read, in bytes. */
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * Find an OIDC identity token for Sigstore.
 *
 * @param o the explicit token, the environment, fetch
 * @returns the token and its source
 * @throws {MochiError} `PUB_E009` when there is none; `PUB_E010` when the GitHub Actions token
 *   endpoint fails (the message names the status, never the request token)
 */
export async function identityToken(o: IdentityTokenOptions): Promise<IdentityToken> {
  if (o.explicit) return { token: o.explicit, source: "--identity-token" };
  const url = o.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = o.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer) {
    const u = new URL(url);
    u.searchParams.set("audience", "sigstore");
    let res: Response;
    try {
      res = await (o.fetch ?? fetch)(u, {
        headers: { Authorization: `bearer ${bearer}`, Accept: "application/json" },
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new MochiError(
        "PUB_E010",
        `the GitHub Actions OIDC token endpoint ${u.origin} did not answer: ${
          (cause as Error).message
        }`,
        { hint: "give the job `permissions: id-token: write`", cause },
      );
    }
    // A token is a few KiB: 64 KiB is plenty, and a misbehaving endpoint cannot stream forever.
    let body: { value?: unknown } | undefined;
    try {
      const bytes = await readAtMost(res.body, {
        bytes: MAX_TOKEN_ANSWER_BYTES,
        error: () =>
          new MochiError(
            "PUB_E010",
            `the GitHub Actions OIDC token endpoint ${u.origin} answered with more than ` +
              `${MAX_TOKEN_ANSWER_BYTES} bytes`,
            { hint: "check ACTIONS_ID_TOKEN_REQUEST_URL" },
          ),
      });
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      if (e instanceof MochiError) throw e;
      body = undefined;
    }
    if (!res.ok || typeof body?.value !== "string" || body.value === "") {
      throw new MochiError(
        "PUB_E010",
        `the GitHub Actions OIDC token endpoint ${u.origin} answered ${res.status} without a token`,
        { hint: "give the job `permissions: id-token: write`" },
      );
    }
    return { token: body.value, source: "github-actions" };
  }
  const direct = o.env.SIGSTORE_ID_TOKEN;
  if (direct) return { token: direct, source: "SIGSTORE_ID_TOKEN" };
  throw new MochiError("PUB_E009", "no OIDC identity token to sign the package with", {
    hint: "publish from CI: GitHub Actions with `permissions: id-token: write`, or GitLab CI " +
      "with an `id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}` entry; or pass --identity-token",
  });
}
