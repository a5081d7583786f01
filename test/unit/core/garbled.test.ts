// The garbled-suggestion check: the junk this pack was seen to write is caught, and real
// people's tweets (all 40 users of the shared data) almost never are.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { garbledReason } from '../../../main/core/garbled.js';

const TWEETS = join(import.meta.dirname, '../../../../shared/data/tweets/users40.jsonl');

describe('garbledReason', () => {
  test('catches what the shipped pack wrote when it went wrong, naming the rule', () => {
    const cases: [string, RegExp][] = [
      ['justgotbackfromlisbon-the_oldtownandridustridewerewonderful http://bit.ly/14j7TzdI . Last week I visited', /^a 37-letter run without a space: “the_oldtownandri…”$/],
      ['justgotbackfromluzolteon-theoldtownandtravickersrideweregreat', /^a 36-letter run without a space/],
      ['@nabzine2018 @WeBrokeTheFed & BAM … ,,,,,,,,,,,,,,,,….. #familyfinallyvotedagainstit', /^a mark repeated 16 times: “,,,,,,,,…”$/],
      ['tired tired tired tired of this', /^the same word over and over: “tired”$/],
      ['@a @b ~~ :) -- ^^ %% && ** ;; :: ||', /^(more symbols than words|a mark|nothing but a link)/],
      // seen at "generic" strength for a 4-tweet travel profile: a suggestion that is only a link or a handle
      ['https://bit.ly/wfB04S', /^nothing but a link, handle or hashtag$/],
      ['@SJBeth123', /^nothing but a link, handle or hashtag$/],
    ];
    for (const [text, why] of cases) assert.match(garbledReason(text) ?? 'null', why, text);
  });

  test('lets rough but readable suggestions through', () => {
    for (const text of [
      'Just got back from Lisbon, the old town & the tram rides were fantastic .',
      'just got back from Lisbon, the old town and the tramp ride were wonderful......',
      'Just got back from Lisbon, the old town and tramp rides... *just got back*',
      '@casa121 The old town was fantastic , thank you for ur idea!',
      'Traveling to #Nepal - Nepali phrasebook #traveltuesdaythebasicsfortravelersandmore http://bit.ly/39S7c0',
      'Republicans Don’t Want To Talk About Obamacare',
      'NOOOOOOO!!!!!!!!!! why',
      'no no no!',
      'shawty is sh sh sh sh sugar honey ice tea(8)',
      '@clickflickca Helloooooooooooooooooooooooooooooo!!  Got anything new for me to try????',
      '',
    ])
      assert.equal(garbledReason(text), null, text);
  });

  test("flags at most 0.5 % of real people's tweets", { skip: existsSync(TWEETS) ? false : 'shared/data/tweets/users40.jsonl not found beside the checkout' }, () => {
    const texts = readFileSync(TWEETS, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { text: string }).text)
      // One user's Japanese tweets reached the dataset as "??????" (their letters lost in an
      // old encoding): junk as text, so not a fair test of what people write.
      .filter((t) => {
        const words = t.replace(/https?:\/\/\S+|#\w+/g, '').replace(/\s/g, '');
        return (words.match(/\?/g) ?? []).length <= words.length / 3;
      });
    assert.ok(texts.length > 1000, `only ${texts.length} tweets`);
    const flagged = texts.filter((t) => garbledReason(t) !== null);
    const share = flagged.length / texts.length;
    assert.ok(share <= 0.005, `${flagged.length} of ${texts.length} flagged (${(share * 100).toFixed(2)} %), e.g. ${JSON.stringify(flagged.slice(0, 5))}`);
  });
});
