/**
 * A throwaway self-signed certificate for 127.0.0.1, made in-process for each test run.
 *
 * Why TLS at all on loopback: @azure/identity refuses an authority host that is not https, and
 * MSAL refuses an insecure authority, so the caller-side test can only talk to the local issuer the
 * way it talks to Entra if the issuer serves https. Node can sign but not build X.509, so the few
 * DER structures a self-signed certificate needs are written out here (no openssl binary, no key
 * committed to the repo).
 */
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";

export interface TestCertificate {
  /** PEM certificate; trust it as the only CA for connections to the local issuer. */
  cert: string;
  /** PEM private key (PKCS#8). */
  key: string;
}

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else if (n < 0x100) len = Buffer.from([0x81, n]);
  else len = Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const bytes: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return der(0x17, Buffer.from(s, "ascii"));
}

/** A P-256 certificate valid for an hour, with subjectAltName IP:127.0.0.1 (what TLS checks). */
export function selfSignedLoopbackCertificate(now = new Date()): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const name = seq(set(seq(oid("2.5.4.3"), der(0x0c, Buffer.from("127.0.0.1")))));
  const san = seq(der(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = der(
    0xa3,
    seq(
      seq(oid("2.5.29.17"), der(0x04, san)),
      // CA:TRUE so that the certificate can be its own trust anchor.
      seq(oid("2.5.29.19"), der(0x04, seq(der(0x01, Buffer.from([0xff]))))),
    ),
  );
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, ...Array.from({ length: 7 }, () => (Math.random() * 256) | 0)])),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now.getTime() - 60_000)), utcTime(new Date(now.getTime() + 3_600_000))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    extensions,
  );
  const signature = sign("sha256", tbs, privateKey);
  const certDer = seq(
    tbs,
    ecdsaWithSha256,
    der(0x03, Buffer.concat([Buffer.from([0]), signature])),
  );
  const b64 = certDer.toString("base64").replace(/.{64}/g, "$&\n");
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: createPrivateKey(privateKey.export({ type: "pkcs8", format: "pem" })).export({
      type: "pkcs8",
      format: "pem",
    }) as string,
  };
}
