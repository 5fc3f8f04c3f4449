// Builds and tampers with OCI image layouts for cli.test.sh. Independent of
// cairn's C code: node's crypto and JSON, so the test does not trust the
// code it tests to build its fixtures.
//
// Usage: node oci_layout.mjs <op> DIR [args]
//   make DIR                 a layout with two images, tagged latest and other;
//                            prints the two manifest digests (hex), one a line
//   digest DIR TAG           prints the hex manifest digest TAG names
//   retag DIR TAG HEX        points TAG at the manifest sha256:HEX
//   copy-sig DIR FROM TO     tags sha256-TO.sig with FROM's signature manifest
//   sig-annotation DIR HEX   flips a bit of the signature in HEX's .sig manifest
//   set DIR HEX              flips a bit of the bundle annotation's SET
//   log-index DIR HEX        adds 1 to the bundle annotation's logIndex
//   payload DIR HEX          rewrites the payload blob in place (same file name)
// Tampering rewrites the signature manifest as a new blob and retags it, so
// each check fails for its own reason, not because a digest moved.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const REF = 'org.opencontainers.image.ref.name';
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const [op, dir, ...args] = process.argv.slice(2);

function blob(buf) {
  const hex = sha256(buf);
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex), buf);
  return { digest: `sha256:${hex}`, size: buf.length, hex };
}
const readIndex = () => JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
const writeIndex = (idx) => fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(idx));
const readBlob = (hex) => fs.readFileSync(path.join(dir, 'blobs', 'sha256', hex));

function tag(idx, name, desc) {
  idx.manifests = idx.manifests.filter((m) => m.annotations?.[REF] !== name);
  idx.manifests.push({ ...desc, annotations: { [REF]: name } });
}
function lookup(name) {
  const m = readIndex().manifests.find((d) => d.annotations?.[REF] === name);
  if (!m) throw new Error(`no tag ${name}`);
  return m;
}

function image(n) {
  const layer = blob(Buffer.from(`layer ${n} ${crypto.randomBytes(8).toString('hex')}\n`));
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
  }));
  const m = blob(manifest);
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, hex: m.hex };
}

// Rewrites HEX's signature manifest with mutate(manifest) and retags it.
function rewriteSig(hex, mutate) {
  const name = `sha256-${hex}.sig`;
  const desc = lookup(name);
  const manifest = JSON.parse(readBlob(desc.digest.slice(7)).toString('utf8'));
  mutate(manifest);
  const m = blob(Buffer.from(JSON.stringify(manifest)));
  const idx = readIndex();
  tag(idx, name, { mediaType: desc.mediaType, digest: m.digest, size: m.size });
  writeIndex(idx);
}
function flipB64(s, at) {
  const b = Buffer.from(s, 'base64');
  b[at % b.length] ^= 1;
  return b.toString('base64');
}
function mutateBundle(manifest, fn) {
  const ann = manifest.layers[0].annotations;
  const b = JSON.parse(ann['dev.sigstore.cosign/bundle']);
  fn(b);
  ann['dev.sigstore.cosign/bundle'] = JSON.stringify(b);
}

switch (op) {
  case 'make': {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const a = image(1);
    const b = image(2);
    const idx = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
    tag(idx, 'latest', { mediaType: a.mediaType, digest: a.digest, size: a.size });
    tag(idx, 'other', { mediaType: b.mediaType, digest: b.digest, size: b.size });
    writeIndex(idx);
    console.log(a.hex);
    console.log(b.hex);
    break;
  }
  case 'digest':
    console.log(lookup(args[0]).digest.slice(7));
    break;
  case 'retag': {
    const [name, hex] = args;
    const from = readIndex().manifests.find((d) => d.digest === `sha256:${hex}`);
    const idx = readIndex();
    tag(idx, name, { mediaType: from.mediaType, digest: from.digest, size: from.size });
    writeIndex(idx);
    break;
  }
  case 'copy-sig': {
    const [from, to] = args;
    const desc = lookup(`sha256-${from}.sig`);
    const idx = readIndex();
    tag(idx, `sha256-${to}.sig`, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size });
    writeIndex(idx);
    break;
  }
  case 'sig-annotation':
    rewriteSig(args[0], (m) => {
      const ann = m.layers[0].annotations;
      ann['dev.cosignproject.cosign/signature'] = flipB64(ann['dev.cosignproject.cosign/signature'], 12);
    });
    break;
  case 'set':
    rewriteSig(args[0], (m) => mutateBundle(m, (b) => (b.SignedEntryTimestamp = flipB64(b.SignedEntryTimestamp, 20))));
    break;
  case 'log-index':
    rewriteSig(args[0], (m) => mutateBundle(m, (b) => (b.Payload.logIndex += 1)));
    break;
  case 'payload': {
    const m = JSON.parse(readBlob(lookup(`sha256-${args[0]}.sig`).digest.slice(7)).toString('utf8'));
    const hex = m.layers[0].digest.slice(7);
    const p = readBlob(hex).toString('utf8').replace('"optional":null', '"optional":{"x":"y"}');
    fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex), p);
    break;
  }
  default:
    console.error(`oci_layout.mjs: unknown op ${op}`);
    process.exit(2);
}
