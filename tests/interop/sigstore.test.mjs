// sigstore-js against a running cairnd: @sigstore/sign's RekorWitness uploads
// a hashedrekord (message signature) and a dsse entry, @sigstore/verify checks
// the resulting bundles (SET, checkpoint signature, inclusion proof, body)
// against a trusted root that names cairnd's log key, and tampered bundles
// must be refused. Starts nothing itself.
//
// Usage: CAIRN_URL=http://127.0.0.1:PORT CAIRN_DATA=<data dir> [CAIRN_NAME=127.0.0.1] node sigstore.test.mjs
//
// The server must run with --name set to a substring of CAIRN_URL (e.g.
// 127.0.0.1): sigstore-js only accepts a checkpoint signature whose signer
// name matches the tlog's baseUrl (it uses the name as a regular expression).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON, bundleToJSON, assertBundleLatest, envelopeToJSON, BUNDLE_V03_MEDIA_TYPE } from '@sigstore/bundle';
import { TrustedRoot, PublicKeyDetails } from '@sigstore/protobuf-specs';
import { Tap, diag, canonicalize, sha256, leafHash, parseNote, noteHasLogSignature, getJSON, fetchLogKey, requireEnv, errText } from './lib.mjs';

const base = requireEnv('CAIRN_URL').replace(/\/+$/, '');
const dataDir = requireEnv('CAIRN_DATA');
const name = process.env.CAIRN_NAME || '127.0.0.1';
const t = new Tap('sigstore: ');
const HOUR = 3600 * 1000;
const past = new Date(Date.now() - 24 * HOUR);

// A key-based signer in the shape @sigstore/sign's bundle builders expect.
function makeSigner() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hint = sha256(der).toString('hex');
  return {
    pem,
    der,
    hint,
    signer: {
      sign: async (data) => ({
        signature: crypto.sign('sha256', data, privateKey),
        key: { $case: 'publicKey', publicKey: pem, hint },
      }),
    },
  };
}

// A trusted root as a user would write it (JSON), holding cairnd's log key.
function trustedRootJSON(log, opts = {}) {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: opts.baseUrl ?? base,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: (opts.der ?? log.der).toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: (opts.start ?? past).toISOString() },
        },
        logId: { keyId: (opts.logID ?? log.logID).toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

function makeVerifier(log, signer, opts = {}) {
  const root = TrustedRoot.fromJSON(trustedRootJSON(log, opts));
  const keys = {
    [signer.hint]: {
      rawBytes: signer.der,
      keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      validFor: { start: past },
    },
  };
  const tm = toTrustMaterial(root, keys);
  return new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 0, tsaThreshold: 0, ...(opts.verifierOptions || {}) });
}

// Bundles are handled in their serialized (v0.3 JSON) form, as they would be
// stored next to an artifact; each check parses a fresh copy.
const serialize = (bundle) => {
  const j = bundleToJSON(bundle);
  j.mediaType = BUNDLE_V03_MEDIA_TYPE; // key-based bundles are valid v0.3
  return JSON.parse(JSON.stringify(j));
};
const clone = (j) => JSON.parse(JSON.stringify(j));
function verifyJSON(verifier, json, artifact) {
  const b = bundleFromJSON(json);
  assertBundleLatest(b);
  return verifier.verify(toSignedEntity(b, artifact));
}

function flipB64(s, at = 0) {
  const buf = Buffer.from(s, 'base64');
  buf[at % buf.length] ^= 0x01;
  return buf.toString('base64');
}

async function main() {
  // The log key, as a verifier would learn it.
  let log;
  try {
    log = await fetchLogKey(base);
  } catch (e) {
    t.ok(false, 'GET /api/v1/log/publicKey', errText(e));
    return t.end();
  }
  t.ok(true, `GET /api/v1/log/publicKey: logID ${log.logID.toString('hex')}`);
  try {
    const filePem = fs.readFileSync(path.join(dataDir, 'log.pub'), 'utf8');
    const fileDer = crypto.createPublicKey(filePem).export({ type: 'spki', format: 'der' });
    t.ok(fileDer.equals(log.der), 'served public key is the data dir\'s log.pub');
  } catch (e) {
    t.ok(false, 'read log.pub from CAIRN_DATA', errText(e));
  }
  const info = await getJSON(`${base}/api/v1/log`);
  const origin = `${name} - ${info.treeID}`;
  t.ok(base.includes(name), `checkpoint signer name ${JSON.stringify(name)} is a substring of the base URL (sigstore-js needs it)`);

  const s = makeSigner();
  const witness = new RekorWitness({ rekorBaseURL: base, entryType: 'dsse', fetchOnConflict: false, timeout: 15000, retry: 0 });
  const nonce = crypto.randomBytes(8).toString('hex');
  const artifact = Buffer.from(`cairn sigstore-js interop artifact ${nonce}\n`);
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'artifact.txt', digest: { sha256: sha256(artifact).toString('hex') } }],
      predicateType: 'https://cairn.invalid/interop/v1',
      predicate: { nonce },
    }),
  );

  const bundles = {};
  // 1. hashedrekord through MessageSignatureBundleBuilder + RekorWitness.
  try {
    const b = await new MessageSignatureBundleBuilder({ signer: s.signer, witnesses: [witness] }).create({ data: artifact });
    bundles.hashedrekord = { bundle: b, json: serialize(b), artifact };
    t.ok(true, 'RekorWitness uploaded a hashedrekord entry (MessageSignatureBundleBuilder)');
  } catch (e) {
    t.ok(false, 'RekorWitness uploads a hashedrekord entry', errText(e));
  }
  // 2. dsse through DSSEBundleBuilder + RekorWitness (entryType dsse).
  try {
    const b = await new DSSEBundleBuilder({ signer: s.signer, witnesses: [witness] }).create({
      data: statement,
      type: 'application/vnd.in-toto+json',
    });
    bundles.dsse = { bundle: b, json: serialize(b), artifact: undefined };
    t.ok(true, 'RekorWitness uploaded a dsse entry (DSSEBundleBuilder)');
  } catch (e) {
    t.ok(false, 'RekorWitness uploads a dsse entry', errText(e));
  }

  const verifier = makeVerifier(log, s);
  for (const [kind, { bundle, json, artifact: art }] of Object.entries(bundles)) {
    const e = json.verificationMaterial.tlogEntries[0];
    diag(`${kind} bundle tlog entry: ${JSON.stringify(e).slice(0, 400)}...`);
    t.ok(json.verificationMaterial.tlogEntries.length === 1 && e.inclusionPromise && e.inclusionProof && e.inclusionProof.checkpoint?.envelope,
      `${kind}: bundle has one tlog entry with inclusionPromise and inclusionProof+checkpoint`);
    t.ok(e.kindVersion?.kind === kind && e.kindVersion?.version === '0.0.1', `${kind}: kindVersion ${kind}/0.0.1`, JSON.stringify(e.kindVersion));
    t.ok(Buffer.from(e.logId.keyId, 'base64').equals(log.logID), `${kind}: logId.keyId = sha256(DER SPKI of the log key)`);
    // The canonical body cairnd logged, byte for byte.
    const body = Buffer.from(e.canonicalizedBody, 'base64').toString('utf8');
    let want;
    if (kind === 'hashedrekord') {
      want = canonicalize({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: sha256(artifact).toString('hex') } },
          signature: { content: bundle.content.messageSignature.signature.toString('base64'), publicKey: { content: Buffer.from(s.pem).toString('base64') } },
        },
      });
    } else {
      const env = bundle.content.dsseEnvelope;
      want = canonicalize({
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: sha256(JSON.stringify(envelopeToJSON(env))).toString('hex') },
          payloadHash: { algorithm: 'sha256', value: sha256(env.payload).toString('hex') },
          signatures: [{ signature: env.signatures[0].sig.toString('base64'), verifier: Buffer.from(s.pem).toString('base64') }],
        },
      });
    }
    t.ok(body === want, `${kind}: canonicalizedBody is the Rekor canonical entry`, `got  ${body}\nwant ${want}`);
    try {
      const note = parseNote(e.inclusionProof.checkpoint.envelope);
      t.ok(note.origin === origin, `${kind}: checkpoint origin is "${origin}"`, note.origin);
      t.ok(note.size === BigInt(e.inclusionProof.treeSize) && note.root.equals(Buffer.from(e.inclusionProof.rootHash, 'base64')),
        `${kind}: checkpoint size/root equal inclusionProof treeSize/rootHash`);
      t.ok(noteHasLogSignature(note, name, log.key, log.logID), `${kind}: checkpoint carries "— ${name}" ECDSA signature with key hint logID[0:4]`,
        e.inclusionProof.checkpoint.envelope);
    } catch (err) {
      t.ok(false, `${kind}: checkpoint parses`, `${errText(err)}\n${e.inclusionProof.checkpoint.envelope}`);
    }
    // Cross-check with the REST API.
    try {
      const got = await getJSON(`${base}/api/v1/log/entries?logIndex=${e.logIndex}`);
      const id = Object.keys(got)[0];
      t.ok(got[id].body === e.canonicalizedBody && id.endsWith(leafHash(Buffer.from(e.canonicalizedBody, 'base64')).toString('hex')) &&
        String(got[id].integratedTime) === e.integratedTime, `${kind}: GET /api/v1/log/entries?logIndex=${e.logIndex} returns the same entry`);
    } catch (err) {
      t.ok(false, `${kind}: GET entry by logIndex`, errText(err));
    }

    // Verification: full bundle, then each mechanism alone.
    await t.doesNotThrow(`${kind}: @sigstore/verify accepts the v0.3 bundle (SET + checkpoint + inclusion proof + signature)`, () => verifyJSON(verifier, json, art));
    await t.doesNotThrow(`${kind}: accepted with only the inclusion proof (SET removed)`, () => {
      const j = clone(json);
      delete j.verificationMaterial.tlogEntries[0].inclusionPromise;
      verifyJSON(verifier, j, art);
    });
    await t.doesNotThrow(`${kind}: accepted with only the SET (inclusion proof removed)`, () => {
      const j = clone(json);
      delete j.verificationMaterial.tlogEntries[0].inclusionProof;
      // v0.1 bundles are the ones without proofs: verify as such.
      j.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
      const b = bundleFromJSON(j);
      verifier.verify(toSignedEntity(b, art));
    });
    await t.doesNotThrow(`${kind}: accepted with the SET's integratedTime as a required timestamp`, () =>
      verifyJSON(makeVerifier(log, s, { verifierOptions: { timestampThreshold: 1 } }), json, art));

    // Tampering: every one of these must make verification throw.
    const T = (what, mutate, opts = {}) =>
      t.throws(`${kind}: ${what} is refused`, () => {
        const j = clone(json);
        const te = j.verificationMaterial.tlogEntries[0];
        if (opts.noSET) delete te.inclusionPromise;
        mutate(j, te);
        verifyJSON(opts.verifier || verifier, j, opts.artifact === undefined ? art : opts.artifact);
      });
    const nHashes = e.inclusionProof.hashes.length;
    if (nHashes > 0) {
      await T('tampered inclusionProof.hashes[0] (SET present)', (j, te) => (te.inclusionProof.hashes[0] = flipB64(te.inclusionProof.hashes[0])));
      await T('tampered inclusionProof.hashes[last] (proof only)', (j, te) => (te.inclusionProof.hashes[nHashes - 1] = flipB64(te.inclusionProof.hashes[nHashes - 1], 31)), { noSET: true });
      await T('tampered inclusionProof.hashes (one dropped)', (j, te) => te.inclusionProof.hashes.pop(), { noSET: true });
    } else {
      t.ok(false, `${kind}: inclusion proof has hashes to tamper with (tree too small?)`);
    }
    await T('tampered inclusionProof.hashes (one added)', (j, te) => te.inclusionProof.hashes.push(Buffer.alloc(32, 7).toString('base64')), { noSET: true });
    await T('tampered inclusionProof.logIndex', (j, te) => (te.inclusionProof.logIndex = String(BigInt(te.inclusionProof.logIndex) ^ 1n)), { noSET: true });
    await T('tampered checkpoint size line', (j, te) => {
      const env = te.inclusionProof.checkpoint.envelope;
      const lines = env.split('\n');
      lines[1] = String(BigInt(lines[1]) + 1n);
      te.inclusionProof.checkpoint.envelope = lines.join('\n');
    }, { noSET: true });
    await T('tampered checkpoint root line', (j, te) => {
      const lines = te.inclusionProof.checkpoint.envelope.split('\n');
      lines[2] = flipB64(lines[2], 5);
      te.inclusionProof.checkpoint.envelope = lines.join('\n');
    }, { noSET: true });
    await T('tampered checkpoint signature', (j, te) => {
      te.inclusionProof.checkpoint.envelope = te.inclusionProof.checkpoint.envelope.replace(/(\u2014 \S+ )(\S+)\n/g, (m, a, b) => `${a}${flipB64(b, 20)}\n`);
    }, { noSET: true });
    await T('tampered inclusionPromise.signedEntryTimestamp', (j, te) => (te.inclusionPromise.signedEntryTimestamp = flipB64(te.inclusionPromise.signedEntryTimestamp, 12)));
    await T('tampered integratedTime (SET)', (j, te) => (te.integratedTime = String(Number(te.integratedTime) + 1)));
    await T('tampered logIndex (SET)', (j, te) => (te.logIndex = String(Number(te.logIndex) + 1)));
    await T('tampered logId', (j, te) => (te.logId.keyId = flipB64(te.logId.keyId)));
    const tamperBody = (j, te) => {
      const b = Buffer.from(te.canonicalizedBody, 'base64').toString('utf8');
      // Change one hex digit of the first sha256 value in the body.
      const m = /"value":"([0-9a-f])/.exec(b);
      const c = m[1] === '0' ? '1' : '0';
      te.canonicalizedBody = Buffer.from(b.slice(0, m.index + 9) + c + b.slice(m.index + 10)).toString('base64');
    };
    await T('tampered canonicalizedBody (SET present)', tamperBody);
    await T('tampered canonicalizedBody (proof only)', tamperBody, { noSET: true });
    await T('tampered kindVersion', (j, te) => (te.kindVersion.version = '0.0.2'));
    if (kind === 'hashedrekord') {
      await T('tampered messageSignature.signature', (j) => (j.messageSignature.signature = flipB64(j.messageSignature.signature, 10)));
      await T('tampered messageSignature.messageDigest', (j) => (j.messageSignature.messageDigest.digest = flipB64(j.messageSignature.messageDigest.digest)));
      await T('tampered artifact', () => {}, { artifact: Buffer.from('another artifact') });
    } else {
      await T('tampered dsseEnvelope.signatures[0].sig', (j) => (j.dsseEnvelope.signatures[0].sig = flipB64(j.dsseEnvelope.signatures[0].sig, 10)));
      await T('tampered dsseEnvelope.payload', (j) => (j.dsseEnvelope.payload = Buffer.from(statement.toString().replace(nonce, 'x'.repeat(16))).toString('base64')));
    }
    // Trust-root mismatches.
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    await T('a verifier trusting another log key under the same logId', () => {}, { verifier: makeVerifier(log, s, { der: other }) });
    await T('a verifier whose log key is valid only from tomorrow', () => {}, { verifier: makeVerifier(log, s, { start: new Date(Date.now() + 24 * HOUR) }) });
    await T('a verifier whose tlog baseUrl lacks the checkpoint signer name (proof only)', () => {}, {
      noSET: true,
      verifier: makeVerifier(log, s, { baseUrl: 'https://rekor.example.invalid' }),
    });
    await T('unknown signing-key hint', (j) => (j.verificationMaterial.publicKey.hint = 'not-the-key'));
  }

  // 409 handling as sigstore-js does it: with fetchOnConflict the witness
  // follows the Location header (GET /api/v1/log/entries/<entryID>).
  if (bundles.hashedrekord) {
    const { bundle, json } = bundles.hashedrekord;
    await t.throws('re-upload without fetchOnConflict fails (409)', () => witness.testify(bundle.content, s.pem), /already exists|409|TLOG_CREATE_ENTRY_ERROR/);
    try {
      const w2 = new RekorWitness({ rekorBaseURL: base, entryType: 'dsse', fetchOnConflict: true, timeout: 15000, retry: 0 });
      const { tlogEntries } = await w2.testify(bundle.content, s.pem);
      const got = tlogEntries[0];
      const orig = json.verificationMaterial.tlogEntries[0];
      t.ok(got.logIndex === orig.logIndex && got.canonicalizedBody.toString('base64') === orig.canonicalizedBody && got.integratedTime === orig.integratedTime,
        're-upload with fetchOnConflict returns the existing entry (via Location)', JSON.stringify({ got: got.logIndex, orig: orig.logIndex }));
      const b2 = { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, tlogEntries } };
      await t.doesNotThrow('the fetched entry (current inclusion proof + checkpoint) verifies', () => verifyJSON(verifier, serialize(b2), artifact));
    } catch (e) {
      t.ok(false, 're-upload with fetchOnConflict returns the existing entry', errText(e));
    }
  }

  // The C2SP checkpoint also carries the log key's signature, which
  // sigstore-js-style parsing must accept next to the Ed25519 one.
  try {
    const r = await fetch(`${base}/checkpoint`);
    const text = await r.text();
    const note = parseNote(text);
    t.ok(r.status === 200 && noteHasLogSignature(note, name, log.key, log.logID) && note.origin === origin,
      'GET /checkpoint: origin and the log key\'s ECDSA signature as in Rekor checkpoints', text);
  } catch (e) {
    t.ok(false, 'GET /checkpoint parses', errText(e));
  }
  return t.end();
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    t.ok(false, 'uncaught error', errText(e));
    process.exit(t.end() || 1);
  },
);
