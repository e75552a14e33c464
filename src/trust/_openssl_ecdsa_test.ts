import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { loadOpensslEcdsa } from "./_openssl_ecdsa.ts";
import { type EcdsaBackend, provideEcdsaBackend } from "./sigstore/_native_ecdsa.ts";
import { verifySigstoreBundle } from "./sigstore/verify.ts";

const backend = loadOpensslEcdsa();
const DATA = new URL("../../fixtures/sigstore-conformance/", import.meta.url);

function nodeSays(alg: string, data: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  try {
    return verify(alg, data, key, sig);
  } catch {
    return false;
  }
}

/** Signatures worth comparing: the valid one, then altered, truncated, padded and re-encoded. */
function variants(sig: Buffer, n: bigint): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [["valid", sig]];
  // The header and the first bytes of r, then every fifth byte, then the end of s.
  const positions = [...Array(sig.length).keys()].filter((i) =>
    i < 8 || i % 5 === 0 || i >= sig.length - 3
  );
  for (const i of positions) {
    const x = Buffer.from(sig);
    x[i]! ^= i % 2 === 0 ? 0x01 : 0x80;
    out.push([`byte ${i} altered`, x]);
  }
  out.push(["truncated", sig.subarray(0, sig.length - 1)]);
  out.push(["one byte more", Buffer.concat([sig, Buffer.from([0])])]);
  out.push(["garbage", Buffer.from("not a signature")]);
  // r and s re-encoded: high-S twin (n - s), and r with a non-minimal leading zero.
  const rLen = sig[3]!;
  const r = sig.subarray(4, 4 + rLen);
  const s = sig.subarray(6 + rLen);
  const int = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`);
  const der = (v: bigint) => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    const b = Buffer.from(hex, "hex");
    return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  };
  const seq = (a: Uint8Array, b: Uint8Array) => {
    const body = Buffer.concat([Buffer.from([2, a.length]), a, Buffer.from([2, b.length]), b]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  };
  out.push(["high-S twin", seq(der(int(r)), der(n - int(s)))]);
  out.push(["r with a needless leading zero", seq(Buffer.concat([Buffer.from([0]), r]), s)]);
  return out;
}

const ORDER: Record<string, bigint> = {
  "P-256": 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  "P-384":
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

Deno.test({
  name: "OpenSSL ECDSA: the same verdict as node:crypto on valid, altered and malformed signatures",
  ignore: backend === undefined,
  fn() {
    let compared = 0;
    for (const curve of ["P-256", "P-384"]) {
      const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: curve });
      const other = generateKeyPairSync("ec", { namedCurve: curve }).publicKey;
      const spki = (k: KeyObject) => new Uint8Array(k.export({ format: "der", type: "spki" }));
      for (const alg of ["sha256", "sha384", "sha512"]) {
        const data = Buffer.from(`mochi ${curve} ${alg}`);
        const sig = sign(alg, data, privateKey);
        const digest = createHash(alg).update(data).digest();
        for (const [what, s] of variants(sig, ORDER[curve]!)) {
          const cases: [string, KeyObject, Uint8Array][] = [
            ["its key", publicKey, data],
            ["another key", other, data],
            ["other bytes", publicKey, Buffer.from("other")],
          ];
          for (const [whose, key, message] of cases) {
            const hashed = createHash(alg).update(message).digest();
            const expected = nodeSays(alg, message, key, s);
            assert.equal(
              backend!.verifyDigest(spki(key), hashed, s),
              expected,
              `${curve} ${alg} ${what}, ${whose}: node:crypto says ${expected}`,
            );
            compared++;
          }
        }
        assert.equal(backend!.verifyDigest(spki(publicKey), digest, sig), true);
      }
    }
    assert.ok(compared > 400, `${compared} comparisons`);
  },
});

interface Case {
  expect: "pass" | "fail";
  identity: { san: string; issuer: string };
  trusted_root: string;
  artifact: string | null;
  dsse_subject?: { digest: Record<string, string> }[];
}

async function conformanceResults(): Promise<Record<string, string>> {
  const text = (p: string) => Deno.readTextFile(new URL(p, DATA));
  const cases = JSON.parse(await text("cases.json")) as Record<string, Case>;
  const out: Record<string, string> = {};
  for (const [name, c] of Object.entries(cases)) {
    if (name === "_about") continue;
    let artifact;
    try {
      artifact = { bytes: await Deno.readFile(new URL(`${name}/artifact`, DATA)) };
    } catch {
      const digest = c.dsse_subject?.[0]?.digest ?? {};
      const algorithm = "sha512" in digest ? "sha512" as const : "sha256" as const;
      artifact = { digest: { algorithm, hex: digest[algorithm]! } };
    }
    const result = await verifySigstoreBundle({
      bundleJson: await text(`${name}/bundle.sigstore.json`),
      ...(c.trusted_root.startsWith("production")
        ? {}
        : { trustedRootJson: await text(`${name}/trusted_root.json`) }),
      identity: c.identity.san,
      issuer: c.identity.issuer,
      artifact,
    });
    out[name] = result.ok ? "ok" : result.code;
  }
  return out;
}

Deno.test({
  name: "OpenSSL ECDSA: every Sigstore conformance case ends as with node:crypto, through it",
  ignore: backend === undefined,
  async fn() {
    let calls = 0;
    const counting: EcdsaBackend = {
      name: "counting",
      verifyDigest: (...args) => {
        calls++;
        return backend!.verifyDigest(...args);
      },
    };
    try {
      provideEcdsaBackend(undefined);
      const plain = await conformanceResults();
      provideEcdsaBackend(() => counting);
      const native = await conformanceResults();
      assert.deepEqual(native, plain);
      assert.ok(Object.values(plain).includes("ok") && Object.values(plain).includes("SIG_E004"));
      assert.ok(calls >= 10, `OpenSSL verified ${calls} signatures`);
    } finally {
      provideEcdsaBackend(undefined);
    }
  },
});

Deno.test("native ECDSA: a backend's no refuses a good bundle; a failing backend is bypassed", async () => {
  const name = "happy-path-v0.3";
  const cases = JSON.parse(await Deno.readTextFile(new URL("cases.json", DATA)));
  const c = cases[name] as Case;
  const run = () =>
    Promise.all([
      Deno.readTextFile(new URL(`${name}/bundle.sigstore.json`, DATA)),
      Deno.readFile(new URL(`${name}/artifact`, DATA)),
    ]).then(([bundleJson, bytes]) =>
      verifySigstoreBundle({
        bundleJson,
        identity: c.identity.san,
        issuer: c.identity.issuer,
        artifact: { bytes },
      })
    );
  try {
    provideEcdsaBackend(() => ({ name: "no", verifyDigest: () => false }));
    const refused = await run();
    assert.ok(!refused.ok);
    assert.equal(refused.code, "SIG_E004");
    provideEcdsaBackend(() => ({
      name: "broken",
      verifyDigest: () => {
        throw new Error("backend failure");
      },
    }));
    assert.ok((await run()).ok, "node:crypto decides when the backend fails");
    provideEcdsaBackend(() => {
      throw new Error("does not load");
    });
    assert.ok((await run()).ok);
  } finally {
    provideEcdsaBackend(undefined);
  }
});
