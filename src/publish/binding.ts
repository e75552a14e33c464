/**
 * Publisher bindings (PyPI's trusted publishers, docs.pypi.org/trusted-publishers): the first
 * publish of a name registers who may publish it, a SAN pattern and an OIDC issuer; later
 * publishes, yanks and unyanks must be signed by a matching certificate.
 *
 * @module
 */

/** Who may publish a package: an anchored pattern over the certificate SAN, and the issuer. */
export interface PublisherBinding {
  /** OIDC issuer, compared exactly (e.g. `https://token.actions.githubusercontent.com`). */
  issuer: string;
  /** Regular-expression source, anchored with `^…$`, matched against the whole SAN. */
  subjectPattern: string;
}

/** A signer, as read from a verified certificate. */
export interface SignerIdentity {
  /** Certificate SAN (URI or e-mail). */
  subjectAlternativeName: string;
  /** OIDC issuer. */
  issuer: string;
}

/**
 * The stable part of a signer's SAN: a CI workflow URI without its `@refs/…` suffix (the ref
 * changes with every release tag; the workflow does not). Other SANs are returned unchanged.
 *
 * @param san certificate SAN, e.g.
 *   `https://github.com/acme/strings/.github/workflows/release.yml@refs/tags/v1.2.0`
 * @returns e.g. `https://github.com/acme/strings/.github/workflows/release.yml`
 */
export function publisherIdentity(san: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^@]+)@refs\/\S+$/i.exec(san);
  return m === null ? san : m[1]!;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * The binding a first publish registers: the signer's issuer, and its SAN with any `@refs/…`
 * suffix (so the same workflow may publish from any tag or branch).
 *
 * @param signer the verified signer of the first publish
 * @returns `{issuer, subjectPattern: "^<escaped identity>(@refs/.+)?$"}`
 */
export function defaultBinding(signer: SignerIdentity): PublisherBinding {
  const id = publisherIdentity(signer.subjectAlternativeName);
  const suffix = id === signer.subjectAlternativeName ? "" : "(@refs/.+)?";
  return { issuer: signer.issuer, subjectPattern: `^${escapeRegExp(id)}${suffix}$` };
}

/**
 * Why a signer does not match a binding, or undefined when it does. The pattern is applied to
 * the whole SAN (anchors are added when missing).
 *
 * @param binding the package's binding
 * @param signer a verified signer
 * @returns a reason naming the SAN or issuer and what the binding wants, or undefined
 */
export function bindingMismatch(
  binding: PublisherBinding,
  signer: SignerIdentity,
): string | undefined {
  if (signer.issuer !== binding.issuer) {
    return `OIDC issuer ${JSON.stringify(signer.issuer)} is not the bound issuer ${
      JSON.stringify(binding.issuer)
    }`;
  }
  let src = binding.subjectPattern;
  if (!src.startsWith("^")) src = "^" + src;
  if (!src.endsWith("$")) src = src + "$";
  if (!new RegExp(src).test(signer.subjectAlternativeName)) {
    return `signer ${
      JSON.stringify(signer.subjectAlternativeName)
    } does not match the bound identity /${binding.subjectPattern}/`;
  }
  return undefined;
}

/**
 * The scope binding the first publish in a scope registers: the signer's issuer and the owner
 * of its source repository (the first path segment of a URI SAN such as a CI workflow's, e.g.
 * every repository of `https://github.com/acme/`), so an organisation's other repositories may
 * add names to its scope and nobody else may. A SAN that is not such a URI (an e-mail) binds
 * exactly, as {@link defaultBinding}.
 *
 * @param signer the verified signer of the first publish in the scope
 * @returns e.g. `{issuer, subjectPattern: "^https://github\\.com/acme/.+$"}`
 */
export function defaultScopeBinding(signer: SignerIdentity): PublisherBinding {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/@\s]+\/[^/@\s]+)\/./i.exec(signer.subjectAlternativeName);
  if (m === null) return defaultBinding(signer);
  return { issuer: signer.issuer, subjectPattern: `^${escapeRegExp(m[1]!)}/.+$` };
}
