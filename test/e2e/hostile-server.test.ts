import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { closeAll, closePerson, dumpLogs, launchBrowser, openPerson, type Person } from '../helpers/browser.ts';
import { startHostileProxy, type HostileProxy } from '../helpers/hostile-proxy.ts';
import { joinRoom, newRoomLink, statusText, tiles, waitForPeopleConnected, waitForStatus, waitForTiles, ownControl } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly, toneState } from '../helpers/tones.ts';
import { sealPairMessage } from '../../shared/envelope.ts';
import { utf8 } from '../../shared/encoding.ts';

/**
 * How long a box carrying a log head is (client/engine/log-heads.ts), for logs up to 99,999 acts
 * long: the one envelope members send each other on a timer, answering nothing. No other envelope
 * between these two pages has one of these lengths (a presence of theirs is shorter, anything of a
 * negotiation far longer).
 */
const HEAD_BOX_LENGTHS = new Set(
  [1, 10, 100, 1_000, 10_000].flatMap((length) =>
    [false, true].map(
      (ask) => sealPairMessage('x', { seq: 1, ts: 0 }, utf8(JSON.stringify({ kind: 'head', length, hash: 'A'.repeat(43), ...(ask ? { ask } : {}) })), new Uint8Array(32)).length,
    ),
  ),
);

const ANN = 440;
const BEN = 660;
const CAT = 880;
const NOT_SECURE = 'Not secure';
/** The room-level warning: envelopes only the server (or the network) could have made are its doing. */
const SERVER_TAMPERING = /The room server is tampering with this room/;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One attacked room: the real server behind a fresh hostile proxy, and the people in it. */
interface Scene {
  proxy: HostileProxy;
  link: string;
  people: Person[];
  /** A person with a browser of their own, before they open the link. */
  open(label: string, toneHz: number): Promise<Person>;
  /** Opens the link and joins; resolves to the peer id the server gave this person. */
  join(person: Person): Promise<string>;
}

describe('a malicious signaling server can neither read nor forge', () => {
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  /** Runs one attack in a fresh room; on failure prints page logs, server output and the frames. */
  async function attack(run: (scene: Scene) => Promise<void>): Promise<void> {
    const proxy = await startHostileProxy(server.url);
    const people: Person[] = [];
    const scene: Scene = {
      proxy,
      link: newRoomLink(proxy.url),
      people,
      async open(label, toneHz) {
        const person = await openPerson(browser, 'about:blank', { toneHz, label });
        people.push(person);
        return person;
      },
      // The page connects as it opens the link (it looks in before Join): the server welcomes it then.
      async join(person) {
        const known = proxy.peers().length;
        await person.page.goto(scene.link);
        await joinRoom(person.page, person.label);
        const deadline = Date.now() + 10_000;
        while (proxy.peers().length === known) {
          if (Date.now() > deadline) throw new Error(`${person.label} was never welcomed`);
          await sleep(20);
        }
        return proxy.peers().at(-1)!;
      },
    };
    try {
      await run(scene);
    } catch (error) {
      const frames = proxy
        .frames()
        .slice(-200)
        .map((f) => `${f.dir} ${f.peer ?? '?'}${f.forged ? ' FORGED' : ''} ${f.text.slice(0, 160)}`)
        .join('\n');
      const peers = people.map((p, i) => `${p.label}=${proxy.peers()[i] ?? '?'}`).join(' ');
      throw new Error(
        `${(error as Error).message}\n--- peers ${peers}\n${dumpLogs(people)}\n--- server\n${server.output()}\n--- last frames\n${frames}`,
        { cause: error },
      );
    } finally {
      await Promise.all(people.map(closePerson));
      await proxy.close();
    }
  }

  /** Envelopes `from` sent to `to` (as the server saw them) since frame index `since`. */
  /** Envelopes `from` sent `to` since a frame, but for the log heads members send each other every few seconds whatever happens. */
  const sendsBetween = (proxy: HostileProxy, from: string, to: string, since = 0): number =>
    proxy
      .frames()
      .slice(since)
      .filter((f) => f.dir === 'up' && f.peer === from && f.text.includes('"type":"send"') && f.text.includes(`"to":"${to}"`))
      .filter((f) => !HEAD_BOX_LENGTHS.has(String((JSON.parse(f.text) as { box?: unknown }).box).length)).length;

  /** The server is blamed, and only `shown` appear: no tile for anyone whose envelopes it spoiled, none marked not secure. */
  const blamesTheServer = async (person: Person, shown: string[]): Promise<void> => {
    await waitForStatus(person.page, SERVER_TAMPERING);
    const status = await statusText(person.page);
    assert.ok(!/could not be secured/.test(status), `[${person.label}] blames a person: "${status}"`);
    const seen = (await tiles(person.page)).filter((tile) => !tile.self);
    assert.deepEqual(seen.map((tile) => tile.name).sort(), [...shown].sort(), `[${person.label}] shows ${JSON.stringify(seen)}`);
    assert.ok(!seen.some((tile) => tile.connection === NOT_SECURE), `[${person.label}] marks someone not secure: ${JSON.stringify(seen)}`);
  };

  test('flipped bytes in envelopes from A to B: A and B never connect, B is warned about the server, not A, and C hears both', () =>
    attack(async ({ proxy, open, join }) => {
      const ann = await open('Ann', ANN);
      const ben = await open('Ben', BEN);
      const cat = await open('Cat', CAT);
      const annId = await join(ann);
      // The tamperer is the lower id, the one who sends the offer, so B gets enough damaged
      // envelopes (presence, offer, candidates) to cross the warning threshold.
      let roles: { a: Person; b: Person } | null = null;
      proxy.onNextWelcome((benId) => {
        const annFirst = annId < benId;
        roles = annFirst ? { a: ann, b: ben } : { a: ben, b: ann };
        proxy.flipByteIn(annFirst ? { from: annId, to: benId } : { from: benId, to: annId });
      });
      await join(ben);
      await join(cat);
      const { a, b } = roles!;

      await expectHearsExactly(cat, [ANN, BEN], [CAT]);
      await expectHearsExactly(b, [CAT], [a.toneHz, b.toneHz], { silentForMs: 3_000 });
      await expectHearsExactly(a, [CAT], [b.toneHz, a.toneHz]);
      await blamesTheServer(b, [cat.label]);
      assert.ok(
        !(await tiles(a.page)).some((t) => t.name === b.label && t.connection === 'Connected'),
        `[${a.label}] shows a completed connection to ${b.label} through damaged signaling`,
      );
      assert.ok(proxy.frames().filter((f) => f.forged).length >= 3, 'the proxy damaged at least three envelopes');
    }));

  test('replayed envelopes are dropped: no second negotiation, no duplicate person, audio continues', (t: TestContext) =>
    attack(async ({ proxy, open, join }) => {
      const ann = await open('Ann', ANN);
      const ben = await open('Ben', BEN);
      const annId = await join(ann);
      const benId = await join(ben);
      await expectHearsExactly(ann, [BEN], [ANN]);
      await expectHearsExactly(ben, [ANN], [BEN]);
      await waitForPeopleConnected(ben.page, ['Ann']);

      // Below the warning threshold: dropped without a word.
      assert.equal(proxy.replay({ to: benId, from: annId, first: 2 }), 2);
      await sleep(1_500);
      assert.equal(await statusText(ben.page), '', 'two replayed envelopes should not warn');
      await waitForPeopleConnected(ben.page, ['Ann']);

      // Everything each ever received from the other, again: presence, offer or answer, candidates.
      const mark = proxy.frames().length;
      const toBen = proxy.replay({ to: benId, from: annId });
      const toAnn = proxy.replay({ to: annId, from: benId });
      assert.ok(toBen >= 3 && toAnn >= 3, `replayed ${toBen} envelopes to Ben and ${toAnn} to Ann`);
      await sleep(2_500);
      // An accepted replayed offer would draw a fresh answer; an accepted answer or candidate, an error and a redial.
      assert.equal(sendsBetween(proxy, benId, annId, mark), 0, 'Ben answered replayed envelopes');
      assert.equal(sendsBetween(proxy, annId, benId, mark), 0, 'Ann answered replayed envelopes');
      await expectHearsExactly(ann, [BEN], [ANN]);
      await expectHearsExactly(ben, [ANN], [BEN]);
      for (const [person, other] of [[ann, 'Ben'], [ben, 'Ann']] as const) {
        const others = (await tiles(person.page)).filter((tile) => !tile.self);
        assert.deepEqual(others.map((tile) => tile.name), [other], `[${person.label}] sees each person once`);
        assert.equal((await toneState(person)).tappedTracks, 1, `[${person.label}] got a second audio track`);
      }
      t.diagnostic(`after the full replay Ben's tiles say ${JSON.stringify(await tiles(ben.page))}; status "${await statusText(ben.page)}"`);

      // Replays interleaved with a newcomer's handshake (the newest envelopes again and again):
      // the call still completes. Each replay costs the page a signature check, so keep it modest.
      const cat = await open('Cat', CAT);
      const catJoined = join(cat);
      let replaying = true;
      const replayer = (async () => {
        while (replaying) {
          const catId = proxy.peers()[2];
          // Cat may be between sockets; the next round catches up.
          if (catId) {
            try {
              proxy.replay({ to: catId, last: 4 });
            } catch {}
          }
          await sleep(300);
        }
      })();
      const joinStarted = Date.now();
      try {
        await catJoined;
        await expectHearsExactly(cat, [ANN, BEN], [CAT], { timeoutMs: 20_000 });
        t.diagnostic(`Cat heard both ${Date.now() - joinStarted} ms after joining amid replays`);
      } finally {
        replaying = false;
        await replayer;
      }
      await waitForTiles(cat.page, 'Ann and Ben, once each', (ts) => ts.filter((tile) => !tile.self).length === 2);
      assert.deepEqual(
        (await tiles(cat.page)).filter((tile) => !tile.self).map((tile) => tile.name).sort(),
        ['Ann', 'Ben'],
      );
    }));

  test('an injected peer with a forged introduction never shows up, and the server is blamed', () =>
    attack(async ({ proxy, open, join }) => {
      const ann = await open('Ann', ANN);
      const ben = await open('Ben', BEN);
      const annId = await join(ann);
      const benId = await join(ben);
      await waitForPeopleConnected(ben.page, ['Ann']);
      await waitForPeopleConnected(ann.page, ['Ben']);

      const mark = proxy.frames().length;
      const intoBen = proxy.injectPeer(benId, { name: 'Mallory' });
      const intoAnn = proxy.injectPeer(annId, { name: 'Mallory' });
      assert.ok(intoBen.forged >= 3 && intoAnn.forged >= 3, 'enough forged envelopes to cross the warning threshold');

      for (const [person, selfId, fake] of [[ben, benId, intoBen.peer], [ann, annId, intoAnn.peer]] as const) {
        await blamesTheServer(person, [person === ann ? 'Ben' : 'Ann']);
        assert.ok(!(await person.page.locator('body').innerText()).includes('Mallory'), `[${person.label}] shows the forged name`);
        // The fake id sorts above everyone's, so a browser that believed it would send it an offer.
        await sleep(1_000);
        const replies = sendsBetween(proxy, selfId, fake, mark);
        assert.ok(replies <= 1, `[${person.label}] sent ${replies} envelopes to the fake peer (only the greeting expected)`);
      }
      await expectHearsExactly(ann, [BEN], [ANN]);
      await expectHearsExactly(ben, [ANN], [BEN]);
      for (const person of [ann, ben]) assert.equal((await toneState(person)).tappedTracks, 1, `[${person.label}] got an extra audio track`);
      assert.ok((await tiles(ben.page)).some((tile) => tile.name === 'Ann' && tile.connection === 'Connected'), 'Ben still shows Ann connected');
    }));

  test('a member who left, announced again with their genuine envelopes replayed to a newcomer, never appears to it', () =>
    attack(async ({ proxy, open, join }) => {
      const ann = await open('Ann', ANN);
      const ben = await open('Ben', BEN);
      const annId = await join(ann);
      const benId = await join(ben);
      await waitForPeopleConnected(ann.page, ['Ben']);
      await closePerson(ben);
      await waitForTiles(ann.page, 'Ben gone', (ts) => !ts.some((tile) => tile.name === 'Ben'), { timeoutMs: 30_000 });
      const cat = await open('Cat', CAT);
      const catId = await join(cat);
      await waitForPeopleConnected(cat.page, ['Ann']);

      // Within two minutes of Ben's broadcast presence, which any newcomer's clock still accepts.
      const replayed = proxy.resurrect({ from: benId, capturedAt: annId, to: catId });
      assert.ok(replayed >= 2, `replayed ${replayed} of Ben's envelopes`);
      await sleep(2_000);
      const others = (await tiles(cat.page)).filter((tile) => !tile.self);
      assert.deepEqual(others.map((tile) => tile.name), ['Ann'], `[Cat] shows ${JSON.stringify(others)}`);
      await expectHearsExactly(cat, [ANN], [BEN, CAT]);
    }));

  test('swapping two peers\' envelopes: no tampered connection completes, the victim is warned about the server, the untouched pair still talks', () =>
    attack(async ({ proxy, open, join }) => {
      const ann = await open('Ann', ANN);
      const ben = await open('Ben', BEN);
      const cat = await open('Cat', CAT);
      const annId = await join(ann);
      const benId = await join(ben);
      await waitForPeopleConnected(ann.page, ['Ben']);
      // To Cat, Ann's envelopes arrive stamped as Ben's and Ben's as Ann's.
      proxy.onNextWelcome((catId) => proxy.swap({ a: annId, b: benId, at: catId }));
      await join(cat);

      // Each greeting Ann and Ben send is another envelope Cat must refuse; whoever does not send
      // Cat an offer would otherwise send only one, below the warning threshold.
      for (const person of [ann, ben]) {
        await ownControl(person.page, 'Mute').click();
        await ownControl(person.page, 'Unmute').click();
      }
      await expectHearsExactly(cat, [], [ANN, BEN, CAT], { silentForMs: 3_000 });
      await expectHearsExactly(ann, [BEN], [CAT, ANN]);
      await expectHearsExactly(ben, [ANN], [CAT, BEN]);
      await blamesTheServer(cat, []);
      for (const person of [ann, ben]) {
        assert.ok(!(await tiles(person.page)).some((tile) => tile.name === 'Cat' && tile.connection === 'Connected'), `[${person.label}] connected to Cat`);
      }
      assert.ok(proxy.frames().some((f) => f.forged), 'the proxy swapped envelopes');
    }));

  test('an envelope redirected to someone else is refused, and the one it was meant for never connects', (t: TestContext) =>
    attack(async ({ proxy, open, join }) => {
      const ann = await open('Ann', ANN);
      const ben = await open('Ben', BEN);
      const cat = await open('Cat', CAT);
      const annId = await join(ann);
      const benId = await join(ben);
      await waitForPeopleConnected(ben.page, ['Ann']);
      // Between Ann and Cat, what the lower id (the one that sends the offer, so several
      // envelopes) sends the other is handed to Ben instead.
      let sender = ann;
      let receiver = cat;
      proxy.onNextWelcome((catId) => {
        if (catId < annId) [sender, receiver] = [cat, ann];
        const [from, to] = catId < annId ? [catId, annId] : [annId, catId];
        proxy.redirect({ from, to, toInstead: benId });
      });
      await join(cat);

      await expectHearsExactly(cat, [BEN], [ANN, CAT], { silentForMs: 3_000 });
      await expectHearsExactly(ben, [ANN, CAT], [BEN]);
      await expectHearsExactly(ann, [BEN], [ANN, CAT]);
      assert.ok(!(await tiles(ann.page)).some((tile) => tile.name === 'Cat' && tile.connection === 'Connected'), 'Ann connected to Cat');
      assert.ok(!(await tiles(cat.page)).some((tile) => tile.name === 'Ann' && tile.connection === 'Connected'), 'Cat connected to Ann');
      await waitForTiles(cat.page, 'Ben connected', (ts) => ts.some((t) => t.name === 'Ben' && t.connection === 'Connected'));
      assert.ok(proxy.frames().some((f) => f.forged), 'the proxy redirected envelopes');
      // The sender's envelopes are signed for the receiver, so Ben refuses every one of them, and
      // is told the server misrouted them: his own link to the sender is untouched. Without the
      // check that binds `to`, he would take them silently, so this is what can fail here.
      await blamesTheServer(ben, [ann.label, cat.label]);
      t.diagnostic(`Ben, handed ${sender.label}'s envelopes for ${receiver.label}, shows ${JSON.stringify(await tiles(ben.page))}`);
    }));
});
