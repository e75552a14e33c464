/**
 * `mochi sigstore verify`: verify a Sigstore bundle offline.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { parseArtifactDigest, verifySigstoreBundle } from "../../trust/sigstore/verify.ts";
import { type CommandSpec, stringOption } from "../command.ts";

/** `mochi sigstore verify`. */
export const command: CommandSpec = {
  operands: "<artifact>",
  minArgs: 1,
  maxArgs: 1,
  description: "ARTIFACT is a file or sha256:<hex>.",
  options: {
    bundle: { type: "string", value: "FILE", help: "the Sigstore bundle (JSON)" },
    "certificate-identity": { type: "string", value: "SAN", help: "the expected signer" },
    "certificate-oidc-issuer": { type: "string", value: "ISS", help: "the expected issuer" },
    "trusted-root": { type: "string", value: "FILE", help: "trusted root JSON (default public)" },
  },
  async run(ctx) {
    const v = ctx.values;
    const bundle = stringOption(v, "bundle");
    const identity = stringOption(v, "certificate-identity");
    const issuer = stringOption(v, "certificate-oidc-issuer");
    if (!bundle || !identity || !issuer) {
      throw new MochiError(
        "CLI_E001",
        "mochi sigstore verify needs --bundle, --certificate-identity, --certificate-oidc-issuer and an artifact",
        {
          hint:
            "mochi sigstore verify --bundle F --certificate-identity SAN --certificate-oidc-issuer ISS [--trusted-root F] ARTIFACT",
        },
      );
    }
    const artifactArg = ctx.args[0]!;
    const rootPath = stringOption(v, "trusted-root") ?? ctx.env.MOCHI_SIGSTORE_ROOT;
    const digest = parseArtifactDigest(artifactArg);
    const result = await verifySigstoreBundle({
      bundleJson: await Deno.readTextFile(bundle),
      ...(rootPath ? { trustedRootJson: await Deno.readTextFile(rootPath) } : {}),
      identity,
      issuer,
      artifact: digest ? { digest } : { bytes: await Deno.readFile(artifactArg!) },
    });
    if (!result.ok) {
      throw new MochiError(
        result.code,
        `${bundle} does not verify: ${result.reason}`,
        result.hint ? { hint: result.hint } : {},
      );
    }
    ctx.out.info(
      `OK: ${bundle} verifies ${artifactArg}, signed by ${result.signer.subjectAlternativeName} (issuer ${result.signer.issuer})`,
    );
    return 0;
  },
};
