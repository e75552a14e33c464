import assert from "node:assert/strict";
import type { MochiError } from "../errors.ts";
import { planFanoutPublish } from "./publish_plan.ts";

const both = new Set(["npm", "jsr"] as const);

Deno.test("planFanoutPublish: environment over manifest, and every refusal before signing", () => {
  const plan = planFanoutPublish({
    ecosystems: ["npm", "jsr", "pypi", "maven", "crates"],
    manifestRegistries: {
      npm: "http://127.0.0.1:1/from-manifest/",
      jsr: "file:///etc/passwd",
      crates: "http://127.0.0.1:3/",
    },
    env: { MOCHI_NPM_REGISTRY: "http://127.0.0.1:2/from-env/", MOCHI_JSR_TOKEN: "" },
    packers: new Set(["npm", "jsr", "pypi", "crates"]),
    uploaders: new Set(["npm", "jsr", "crates"]),
  });
  const [npm, jsr, pypi, maven, crates] = plan;
  assert.equal(npm!.destination, "http://127.0.0.1:2/from-env/");
  assert.equal(npm!.destinationSource, "MOCHI_NPM_REGISTRY");
  assert.equal(npm!.problem, undefined);
  assert.equal(npm!.hasToken, false);
  assert.equal(jsr!.hasToken, false, "an empty token is no token");
  assert.match(jsr!.problem!.message, /not an http\(s\) URL/);
  assert.equal((jsr!.problem as MochiError).code, "FANOUT_E010");
  assert.match(pypi!.problem!.message, /cannot upload to pypi yet/);
  assert.match(maven!.problem!.message, /cannot pack maven yet/);
  assert.equal((maven!.problem as MochiError).code, "FANOUT_E011");
  assert.equal(crates!.destinationSource, "[targets.rust] registry");
  assert.equal(crates!.tokenVariable, "MOCHI_CRATES_TOKEN");
  const none = planFanoutPublish({
    ecosystems: ["npm"],
    manifestRegistries: {},
    env: {},
    packers: both,
    uploaders: both,
  });
  assert.match(
    (none[0]!.problem as MochiError).hint ?? "",
    /MOCHI_NPM_REGISTRY[\s\S]*\[targets\.typescript\]/,
  );
});
