import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeImage } from '../../../firmware/vision/image.js';
import { loadHuman, peerScoreOf, type HumanFace } from '../../../tools/bench/human-peer.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from '../../firmware/vision/fixtures.js';

const face = (box: HumanFace['box'], real?: number, live?: number): HumanFace => ({ score: 1, box, ...(real !== undefined && { real }), ...(live !== undefined && { live }) });

test('peerScoreOf: the face whose (large, mesh) box holds the chosen face centre, nearest centre first', () => {
  const left = face([0, 0, 300, 300], 0.2, 0.3);
  const right = face([200, 0, 300, 300], 0.8, 0.9);
  // Limen's tighter box at x 260..320: its centre (290) is inside both; right's centre (350) is nearer than left's (150).
  assert.equal(peerScoreOf([left, right], { x1: 260, y1: 100, x2: 320, y2: 180 }), { real: 0.8, live: 0.9 });
  assert.equal(peerScoreOf([left, right], { x1: 40, y1: 100, x2: 100, y2: 180 }), { real: 0.2, live: 0.3 });
  // No peer face holds the centre: the peer has no score for this face.
  assert.is(peerScoreOf([left], { x1: 600, y1: 0, x2: 700, y2: 100 }), undefined);
  // Without a chosen face: the largest; human leaves out a score that rounded to 0.
  assert.equal(peerScoreOf([face([0, 0, 10, 10], 0.5, 0.5), face([50, 50, 100, 100])]), { real: 0, live: 0 });
  assert.is(peerScoreOf([]), undefined);
});

test('the peer scores the faces Limen finds in a real photo with its antispoof and liveness models', async () => {
  const engine = await sharedEngine();
  const peer = await loadHuman({ describe: false, antispoof: true });
  try {
    const img = await decodeImage(await demoPhoto(3));
    const boxes = await engine.detect(img);
    assert.ok(boxes.length > 0);
    const found = await peer.faces(img);
    const scored = boxes.map((b) => peerScoreOf(found, b)).filter((s) => s !== undefined);
    assert.ok(scored.length > 0, 'the peer found none of the faces Limen found');
    for (const s of scored) {
      assert.ok(s.real >= 0 && s.real <= 1 && s.live >= 0 && s.live <= 1, JSON.stringify(s));
    }
    // Both models ran: some face has a non-zero score from each.
    assert.ok(scored.some((s) => s.real > 0) && scored.some((s) => s.live > 0), JSON.stringify(scored));
    // A blank frame has no face for the peer to score.
    const blank = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(128) };
    assert.is(peerScoreOf(await peer.faces(blank)), undefined);
  } finally {
    await peer.close();
    await closeSharedEngine();
  }
});

test.run();
