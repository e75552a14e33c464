/**
 * Who may publish, yank and unyank: the registry's ownership rules as pure functions over what
 * the registry holds (bindings, which names and scopes have versions) and what a verified
 * bundle says. `src/registry/server/publish_api.ts` reads that state, calls these, and acts on the
 * answer; nothing here touches the disk or the clock.
 *
 * The rules (README "Trusted publishing"; the PyPI "trusted publishers" model, where a project
 * with no trusted publisher can only be given one by a maintainer, never claimed by an upload):
 *
 * - A name with a publisher binding: the signer must match it.
 * - A name that has versions in the index but no binding (a registry filled by hand or by
 *   `convert_crates_index`): nobody may publish, yank or unyank it until the operator writes a
 *   binding; the first signer does not get it.
 * - A new name in a scope (`@acme/x`): the scope is owned through its scope binding, registered
 *   with the first name ever published in the scope ({@link defaultScopeBinding}: the owner of
 *   the first publisher's source repository, e.g. every repository of `github.com/acme`); later
 *   new names in the scope need a signer matching the scope binding. A scope that holds
 *   names but has no scope binding takes no new names until the operator writes one.
 * - A new bare name: the first signer registers its binding.
 *
 * @module
 */
import {
  bindingMismatch,
  defaultBinding,
  defaultScopeBinding,
  type PublisherBinding,
  type SignerIdentity,
} from "./binding.ts";
import { MOCHI_YANK_PREDICATE, type YankAction } from "./statement.ts";

/** What the registry holds about one name, read before a publish is decided. */
export interface NameOwnership {
  /** The package name. */
  name: string;
  /** The name's publisher binding, when the registry has one. */
  binding?: PublisherBinding;
  /** The index has at least one version of this name. */
  published: boolean;
  /** The scope binding of the name's scope (`@acme/x` → scope `acme`), when it has one. */
  scopeBinding?: PublisherBinding;
  /** Other names of the same scope have versions in the index (false for bare names). */
  scopeHasPackages: boolean;
}

/** The answer of {@link publishPermission}. */
export type PublishPermission =
  | {
    /** The upload may go on. */
    allowed: true;
    /** Write this binding for the name with the publish (a new name). */
    registerBinding?: PublisherBinding;
    /** Write this scope binding with the publish (the first name of a scope). */
    registerScopeBinding?: PublisherBinding;
  }
  | {
    /** The upload is refused (HTTP 403). */
    allowed: false;
    /** One line naming the package, the signer or binding, and what to do. */
    reason: string;
  };

/**
 * The scope of a package name, without `@`; undefined for a bare name.
 *
 * @param name a valid package name
 * @returns e.g. `acme` for `@acme/strings`
 */
export function scopeOf(name: string): string | undefined {
  if (!name.startsWith("@")) return undefined;
  const slash = name.indexOf("/");
  return slash < 0 ? undefined : name.slice(1, slash).toLowerCase();
}

/**
 * May this signer publish a version of this name? (See the module doc for the rules.)
 *
 * @param state what the registry holds about the name and its scope
 * @param signer the verified signer of the upload
 * @returns allowed (with the bindings a new name registers) or refused with a reason
 */
export function publishPermission(state: NameOwnership, signer: SignerIdentity): PublishPermission {
  const { name } = state;
  if (state.binding !== undefined) {
    const why = bindingMismatch(state.binding, signer);
    return why === undefined
      ? { allowed: true }
      : { allowed: false, reason: `not allowed to publish ${name}: ${why}` };
  }
  if (state.published) {
    return {
      allowed: false,
      reason: `${name} has versions in this registry but no publisher binding, so no upload ` +
        "may claim it; the registry operator must write its binding first " +
        "(README: Trusted publishing)",
    };
  }
  const own = defaultBinding(signer);
  const scope = scopeOf(name);
  if (scope === undefined) return { allowed: true, registerBinding: own };
  if (state.scopeBinding !== undefined) {
    const why = bindingMismatch(state.scopeBinding, signer);
    return why === undefined
      ? { allowed: true, registerBinding: own }
      : { allowed: false, reason: `not allowed to publish a new name in scope @${scope}: ${why}` };
  }
  if (state.scopeHasPackages) {
    return {
      allowed: false,
      reason: `scope @${scope} holds packages but has no scope binding, so no upload may add ` +
        `${name} to it; the registry operator must write the scope's binding first ` +
        "(README: Trusted publishing)",
    };
  }
  return { allowed: true, registerBinding: own, registerScopeBinding: defaultScopeBinding(signer) };
}

/** Inputs of {@link yankPermission}. */
export interface YankRequest {
  /** Package name. */
  name: string;
  /** The action in the request URL. */
  action: YankAction;
  /** The name's binding, when it has one. */
  binding?: PublisherBinding;
  /** The verified signer of the statement. */
  signer: SignerIdentity;
  /** The statement's `predicateType`. */
  predicateType: string;
  /** The statement's predicate (untrusted shape). */
  predicate: unknown;
  /** The registry clock, epoch milliseconds. */
  nowMs: number;
  /** Largest allowed distance between the statement's timestamp and `nowMs`, milliseconds. */
  clockSkewMs: number;
  /** The statement was accepted before (its replay key is in the registry's record). */
  seenBefore: boolean;
}

/** The answer of {@link yankPermission}. */
export type YankPermission =
  | {
    /** The request may be applied. */
    allowed: true;
    /** The yank reason from the statement ("" when none). */
    reason: string;
    /** The statement's timestamp, epoch milliseconds (kept with its replay key). */
    atMs: number;
  }
  | {
    /** Refused. */
    allowed: false;
    /** HTTP status: 401 the statement is not this request, 403 the signer may not. */
    status: 401 | 403;
    /** One line. */
    reason: string;
  };

/**
 * May this signed statement yank or unyank the version? The statement must be a
 * {@link MOCHI_YANK_PREDICATE} with the URL's action, a timestamp within `clockSkewMs` of the
 * registry clock, never accepted before (a captured bundle cannot be replayed, e.g. to re-yank
 * a version its owner unyanked), and signed by a signer matching the name's binding.
 *
 * @param r the request, the statement and the registry state
 * @returns allowed (with the reason to record) or refused with a status and reason
 */
export function yankPermission(r: YankRequest): YankPermission {
  const p = (typeof r.predicate === "object" && r.predicate !== null ? r.predicate : {}) as {
    action?: unknown;
    reason?: unknown;
    timestamp?: unknown;
  };
  if (r.predicateType !== MOCHI_YANK_PREDICATE || p.action !== r.action) {
    return {
      allowed: false,
      status: 401,
      reason: `the signed statement is not a ${r.action} request (${r.predicateType}, action ${
        JSON.stringify(p.action)
      })`,
    };
  }
  const at = typeof p.timestamp === "string" ? Date.parse(p.timestamp) : NaN;
  if (!Number.isFinite(at) || Math.abs(at - r.nowMs) > r.clockSkewMs) {
    return {
      allowed: false,
      status: 401,
      reason: `the ${r.action} request's timestamp ${JSON.stringify(p.timestamp)} is not within ${
        Math.round(r.clockSkewMs / 60_000)
      } minutes of the registry clock`,
    };
  }
  if (r.seenBefore) {
    return {
      allowed: false,
      status: 401,
      reason: `this signed ${r.action} request was already used once; sign a new one ` +
        "(mochi yank) to change the version again",
    };
  }
  const why = r.binding === undefined
    ? `${r.name} has no publisher binding`
    : bindingMismatch(r.binding, r.signer);
  if (why !== undefined) {
    return { allowed: false, status: 403, reason: `not allowed to ${r.action} ${r.name}: ${why}` };
  }
  return { allowed: true, reason: typeof p.reason === "string" ? p.reason : "", atMs: at };
}

/**
 * Parse a signed subject name `<name>@<version>` (the `@` before the version is the last one).
 *
 * @param subject e.g. `@acme/strings@1.2.0`
 * @returns name and version, or undefined when there is no `@` after the first character
 */
export function parseSubjectName(subject: string): { name: string; version: string } | undefined {
  const at = subject.lastIndexOf("@");
  if (at <= 0) return undefined;
  return { name: subject.slice(0, at), version: subject.slice(at + 1) };
}
