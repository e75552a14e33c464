/**
 * Trusted publishing, pure core: the in-toto statements a publish or yank signs, publisher
 * bindings, and the registry's publish preflight. The I/O is in `src/adapters/publish_api.ts`
 * (registry side), `src/adapters/sigstore/sign.ts` and `src/adapters/publish.ts` (client side).
 *
 * @module
 */
export * from "./statement.ts";
export * from "./binding.ts";
export * from "./checks.ts";
export * from "./rules.ts";
export * from "./record.ts";
