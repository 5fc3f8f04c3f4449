// Blob bundles between cairn and sigstore-js, against a running cairnd.
//
//   node sigstore_roundtrip.mjs verify URL ARTIFACT BUNDLE SIGNER.pub
//       @sigstore/verify checks a bundle (cairn sign-blob's) with a trusted root
//       holding the log key from URL/api/v1/log/publicKey and the signer key
//       under the bundle's hint. Exit 0 when it verifies, 1 when it throws.
//   node sigstore_roundtrip.mjs sign URL ARTIFACT SIGNER.key OUT
//       @sigstore/sign (MessageSignatureBundleBuilder + RekorWitness) logs the
//       artifact's signature in cairnd and writes the v0.3 bundle to OUT.
//
// Uses the packages installed in tests/interop (no npm install here).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../interop/package.json', import.meta.url));
const { MessageSignatureBundleBuilder, RekorWitness } = require('@sigstore/sign');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON, bundleToJSON, BUNDLE_V03_MEDIA_TYPE } = require('@sigstore/bundle');
const { TrustedRoot, PublicKeyDetails } = require('@sigstore/protobuf-specs');

const [op, base, artifactPath, ...rest] = process.argv.slice(2);
const past = new Date(Date.now() - 24 * 3600 * 1000);

async function logKey() {
  const r = await fetch(`${base}/api/v1/log/publicKey`, { signal: AbortSignal.timeout(10000) });
  if (r.status !== 200) throw new Error(`GET /api/v1/log/publicKey: HTTP ${r.status}`);
  const der = crypto.createPublicKey(await r.text()).export({ type: 'spki', format: 'der' });
  return { der, logID: crypto.createHash('sha256').update(der).digest() };
}

async function verify(bundlePath, signerPub) {
  const log = await logKey();
  const json = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
  const signerDer = crypto.createPublicKey(fs.readFileSync(signerPub)).export({ type: 'spki', format: 'der' });
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{
      baseUrl: base,
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: log.der.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: past.toISOString() } },
      logId: { keyId: log.logID.toString('base64') },
    }],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
  const hint = json.verificationMaterial?.publicKey?.hint;
  const keys = { [hint]: { rawBytes: signerDer, keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: past } } };
  const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: 0, tsaThreshold: 0 });
  verifier.verify(toSignedEntity(bundleFromJSON(json), fs.readFileSync(artifactPath)));
  console.log(`@sigstore/verify accepts ${bundlePath}`);
}

async function sign(keyPath, out) {
  const privateKey = crypto.createPrivateKey(fs.readFileSync(keyPath));
  const pem = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
  const signer = {
    sign: async (data) => ({ signature: crypto.sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey: pem, hint: 'sigstore-js-made' } }),
  };
  const witness = new RekorWitness({ rekorBaseURL: base, entryType: 'dsse', fetchOnConflict: true, timeout: 15000, retry: 0 });
  const b = await new MessageSignatureBundleBuilder({ signer, witnesses: [witness] }).create({ data: fs.readFileSync(artifactPath) });
  const j = bundleToJSON(b);
  j.mediaType = BUNDLE_V03_MEDIA_TYPE;
  fs.writeFileSync(out, JSON.stringify(j));
  console.log(`@sigstore/sign wrote ${out} (logIndex ${j.verificationMaterial.tlogEntries[0].logIndex ?? 0})`);
}

const run = op === 'verify' ? verify(...rest) : op === 'sign' ? sign(...rest) : Promise.reject(new Error(`unknown op ${op}`));
run.then(
  () => process.exit(0),
  (e) => {
    console.log(`sigstore-js: ${e.code ? `${e.code}: ` : ''}${e.message}`);
    process.exit(1);
  },
);
