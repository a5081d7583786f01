// The output filter on generated suggestions: obscenity's English word list, whole
// words hidden, and the same result whether the text arrives at once or token by token.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OffensiveStreamFilter, findOffensiveWords, maskOffensive } from '../../../main/core/offensive-words.js';
import { createRng } from '../../../main/core/rng.js';

// The word of the report (issue 11): a racial slur in three suggestions for one harmless draft.
const SLUR = 'nigger';

describe('maskOffensive', () => {
  test('hides a slur and keeps everything else', () => {
    const r = maskOffensive(`you ${SLUR}, go home`);
    assert.equal(r.text, 'you ******, go home');
    assert.equal(r.hidden, 1);
  });

  test('hides the whole word a match sits in, in any case, plurals and leetspeak', () => {
    assert.equal(maskOffensive('What the FUCK').text, 'What the ****');
    assert.equal(maskOffensive('motherfucking traffic').text, '************* traffic');
    assert.equal(maskOffensive(`${SLUR.toUpperCase()}S are`).text, '******* are');
    assert.equal(maskOffensive('this is sh1t').text, 'this is ****');
    assert.equal(maskOffensive('fuuuuck!').text, '*******!');
  });

  test('counts each hidden word once', () => {
    const r = maskOffensive('shit, shit and more shit');
    assert.equal(r.hidden, 3);
    assert.equal(r.text, '****, **** and more ****');
    assert.deepEqual(findOffensiveWords('a cunt'), [{ start: 2, end: 6 }]);
  });

  test('leaves innocent words that contain a listed one alone (no Scunthorpe problem)', () => {
    for (const ok of [
      'Scunthorpe United won',
      'a classic assassin story',
      'grapes and cocktails with my therapist',
      'reading Dickens for the analysis',
      'an assessment of the budget',
      'Hello world, health care for all Americans',
      '',
    ]) {
      const r = maskOffensive(ok);
      assert.equal(r.hidden, 0, ok);
      assert.equal(r.text, ok);
    }
  });
});

describe('OffensiveStreamFilter', () => {
  const stream = (pieces: string[]) => {
    const f = new OffensiveStreamFilter();
    const shown: string[] = [];
    for (const p of pieces) shown.push(f.push(p));
    shown.push(f.end());
    return { shown, f };
  };

  test('a slur split across tokens never reaches the screen, and the end text is the masked whole', () => {
    const full = `Thanks for the ride, ${SLUR}. See you at the game later`;
    const { shown, f } = stream(['Thanks for the ride, ', 'nig', 'g', 'er', '. See', ' you at the game later']);
    assert.equal(shown.join(''), maskOffensive(full).text);
    assert.equal(f.result().hidden, 1);
    // At no point did what was shown contain the word or a prefix of it longer than the mask would allow.
    let soFar = '';
    for (const s of shown) {
      soFar += s;
      assert.ok(!soFar.toLowerCase().includes('nig'), `shown so far: ${JSON.stringify(soFar)}`);
    }
  });

  test('a two-word phrase whose first word was already complete is still caught', () => {
    const { shown, f } = stream(['we saw ', 'double ', 'penetra', 'tion on tv']);
    assert.equal(shown.join(''), 'we saw ****** *********** on tv');
    assert.equal(f.result().hidden, 1);
    assert.deepEqual(shown.slice(0, 2), ['we ', 'saw '], 'the last two words are held back');
  });

  test('any split of the text gives the same output as masking it whole (seeded random splits)', () => {
    const texts = ['ok so that bitch stole my parking spot again, fuck this city', `plain words only here and nothing to hide at all`, `${SLUR}s   and   spaces\nnew line shit`];
    const rng = createRng(7);
    for (const text of texts) {
      for (let trial = 0; trial < 50; trial++) {
        const pieces: string[] = [];
        let at = 0;
        while (at < text.length) {
          const len = 1 + Math.floor(rng.next() * 6);
          pieces.push(text.slice(at, at + len));
          at += len;
        }
        const { shown, f } = stream(pieces);
        assert.equal(shown.join(''), maskOffensive(text).text, JSON.stringify(pieces));
        assert.equal(f.result().text, maskOffensive(text).text);
        let soFar = '';
        for (const s of shown) {
          soFar += s;
          assert.equal(findOffensiveWords(soFar).length, 0, `shown so far: ${JSON.stringify(soFar)}`);
        }
      }
    }
  });
});
