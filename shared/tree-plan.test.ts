import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planTree, type Placement, type TreeMember, type TreePlan, type TreeSettings } from './tree-plan.ts';

const SETTINGS: TreeSettings = { fanout: 4, directMax: 12, streamKbps: 40 };
const listener = (peer: string, extra: Partial<TreeMember> = {}): TreeMember =>
  ({ peer, tier: 'audience', uploadKbps: 1000, turnOnly: false, since: 0, ...extra });
const speaker = (peer: string): TreeMember => listener(peer, { tier: 'stage' });
/** n listeners l000, l001…, joined in that order. */
const listeners = (n: number, extra: Partial<TreeMember> = {}): TreeMember[] =>
  Array.from({ length: n }, (_, i) => listener(`l${String(i).padStart(3, '0')}`, { since: i, ...extra }));
const at = (plan: TreePlan, peer: string): Placement => {
  const placement = plan.audience.get(peer);
  assert.ok(placement, `${peer} has a placement`);
  return placement;
};
const maxDepth = (plan: TreePlan): number => Math.max(...[...plan.audience.values()].map((p) => p.depth));
/** Members present in both plans whose parent changed. */
const moved = (before: TreePlan, after: TreePlan): string[] =>
  [...after.audience].filter(([peer, p]) => before.audience.has(peer) && before.audience.get(peer)!.parent !== p.parent).map(([peer]) => peer);
/** ⌈log_f n⌉, in integers. */
const ceilLog = (n: number, f: number): number => {
  let levels = 0;
  for (let reach = 1; reach < n; reach *= f) levels += 1;
  return levels;
};

/** Checks every rule a plan must keep, written from the task, not from the code. */
function checkPlan(plan: TreePlan, members: readonly TreeMember[], settings: TreeSettings): void {
  const audience = members.filter((m) => m.tier === 'audience');
  assert.deepEqual([...plan.audience.keys()].sort(), audience.map((m) => m.peer).sort(), 'exactly the audience is placed');
  assert.equal(plan.mode, audience.length <= settings.directMax ? 'direct' : 'tree');
  assert.deepEqual(plan.roots, [...plan.audience].filter(([, p]) => p.parent === null).map(([peer]) => peer).sort(), 'roots are who the stage feeds');
  if (plan.mode === 'direct') {
    for (const p of plan.audience.values()) assert.deepEqual(p, { parent: null, backup: null, children: [], depth: 1, relays: false, mixes: false });
    return;
  }
  const stageSize = Math.max(1, members.length - audience.length);
  // Every speaker's stream to each child; where that fits no child, one mixed stream to each.
  const whole = (m: TreeMember): number => Math.floor(m.uploadKbps / (settings.streamKbps * stageSize));
  const mixed = (m: TreeMember): number => (stageSize > 1 && whole(m) === 0 ? Math.floor(m.uploadKbps / settings.streamKbps) : 0);
  const capacity = new Map(audience.map((m) => [m.peer, m.turnOnly ? 0 : Math.min(settings.fanout, whole(m) || mixed(m))]));
  for (const m of audience) {
    const p = at(plan, m.peer);
    assert.equal(p.mixes, capacity.get(m.peer)! > 0 && mixed(m) > 0, `${m.peer} mixes exactly where every speaker's stream would exceed its upload and one would not`);
    if (p.mixes) assert.ok(p.children.length * settings.streamKbps <= m.uploadKbps, `${m.peer}'s mixed streams fit its upload`);
    else assert.ok(p.children.length * settings.streamKbps * stageSize <= m.uploadKbps, `${m.peer}'s forwarded streams fit its upload`);
  }
  for (const [peer, p] of plan.audience) {
    const parent = p.parent === null ? undefined : at(plan, p.parent);
    assert.equal(p.depth, parent ? parent.depth + 1 : 1, `${peer} sits one level below its parent, so there is no cycle`);
    if (parent) assert.ok(parent.children.includes(peer), `${peer} is among its parent's children`);
    for (const child of p.children) assert.equal(at(plan, child).parent, peer, `${peer}'s child ${child} has it as parent`);
    assert.deepEqual(p.children, [...p.children].sort(), 'children are sorted');
    assert.ok(p.children.length <= capacity.get(peer)!, `${peer} feeds no more than its capacity`);
    assert.equal(p.relays, capacity.get(peer)! > 0, `${peer} relays exactly when it can`);
  }
  const rootSlots = Math.min(settings.fanout, settings.directMax);
  if (plan.roots.length > rootSlots) {
    for (const [peer, p] of plan.audience) assert.equal(p.children.length, capacity.get(peer), 'the stage feeds extra roots only while every relay is full');
  }
  checkBackups(plan, settings);
}

function checkBackups(plan: TreePlan, settings: TreeSettings): void {
  const ancestors = (peer: string): Set<string> => {
    const seen = new Set<string>();
    for (let p = at(plan, peer).parent; p !== null; p = at(plan, p).parent) seen.add(p);
    return seen;
  };
  const relays = [...plan.audience].filter(([, p]) => p.relays).map(([peer]) => peer);
  const load = new Map<string, number>();
  const eligible = new Map<string, string[]>();
  for (const [peer, p] of plan.audience) {
    if (p.depth === 1) {
      assert.equal(p.backup, null, 'a root has no backup: the stage feeds it');
      continue;
    }
    const mayUse = relays.filter((r) => r !== peer && r !== p.parent && !ancestors(r).has(peer));
    eligible.set(peer, mayUse);
    if (p.backup === null) {
      assert.deepEqual(mayUse, [], `${peer} lacks a backup although ${mayUse[0]} could be one`);
      continue;
    }
    assert.ok(mayUse.includes(p.backup), `${peer}'s backup ${p.backup} is a relay, not itself, its parent or below it`);
    load.set(p.backup, (load.get(p.backup) ?? 0) + 1);
  }
  // Spread: a relay backs more than max(2 × fanout, ⌈members / relays⌉) only because one of
  // those members had no other relay below that limit.
  const limit = Math.max(2 * settings.fanout, Math.ceil(eligible.size / relays.length));
  // A backup below the member's own parent falls silent with it: only when every relay apart from it was full.
  for (const [peer, mayUse] of eligible) {
    const { parent, backup } = at(plan, peer);
    if (backup === null || parent === null || !ancestors(backup).has(parent)) continue;
    const apart = mayUse.filter((r) => !ancestors(r).has(parent));
    assert.ok(apart.every((r) => (load.get(r) ?? 0) >= limit), `${peer}'s backup ${backup} hangs from its parent though ${apart[0]} does not`);
  }
  for (const [relay, count] of load) {
    if (count <= limit) continue;
    const backed = [...eligible].filter(([peer]) => at(plan, peer).backup === relay);
    const forced = backed.some(([, mayUse]) => mayUse.every((r) => r === relay || (load.get(r) ?? 0) >= limit));
    assert.ok(forced, `${relay} backs up ${count} members, over ${limit}, though each of them had another relay with room`);
  }
}

test('up to directMax listeners, the stage feeds everyone directly and nobody relays', () => {
  const members = [speaker('s'), ...listeners(12)];
  const plan = planTree(members, SETTINGS);
  assert.equal(plan.mode, 'direct');
  assert.equal(plan.roots.length, 12);
  checkPlan(plan, members, SETTINGS);
});

test('speakers are never placed in the audience', () => {
  const plan = planTree([speaker('s1'), speaker('s2'), ...listeners(20)], SETTINGS);
  assert.equal(plan.audience.has('s1') || plan.audience.has('s2'), false);
  assert.equal(plan.audience.size, 20);
});

test('past directMax, the stage feeds min(fanout, directMax) roots and everyone else hangs below a relay', () => {
  const members = [speaker('s'), ...listeners(13)];
  const plan = planTree(members, SETTINGS);
  assert.equal(plan.mode, 'tree');
  assert.deepEqual(plan.roots, ['l000', 'l001', 'l002', 'l003']);
  assert.deepEqual(at(plan, 'l000').children, ['l004', 'l005', 'l006', 'l007']);
  assert.equal(at(plan, 'l012').parent, 'l002');
  checkPlan(plan, members, SETTINGS);
});

test('directMax 1 with fanout 2 makes a binary tree: seven listeners fill three levels', () => {
  const settings = { fanout: 2, directMax: 1, streamKbps: 40 };
  const plan = planTree([speaker('s'), ...listeners(7)], settings);
  assert.deepEqual(plan.roots, ['l000']);
  assert.deepEqual([...plan.audience.values()].map((p) => p.depth), [1, 2, 2, 3, 3, 3, 3]);
  assert.deepEqual(at(plan, 'l002').children, ['l005', 'l006']);
});

test("a relay feeds at most what its upload carries of every speaker's stream, and never more than fanout", () => {
  const members = [speaker('s1'), speaker('s2'), listener('big', { uploadKbps: 100_000 }), listener('small', { uploadKbps: 170, since: 1 }), ...listeners(30, { uploadKbps: 0, since: 5 })];
  const plan = planTree(members, { ...SETTINGS, directMax: 2 });
  assert.equal(at(plan, 'big').children.length, 4, 'capped at fanout');
  assert.equal(at(plan, 'small').children.length, 2, '170 kbit/s carries two children of two 40 kbit/s streams');
});

test("a relay whose upload cannot carry every speaker's stream to one child feeds the stage mixed, and sits below those that forward unchanged", () => {
  const stage = ['s1', 's2', 's3'].map(speaker);
  // Three streams cost 120 kbit/s a child: 100 carries none of them, but two mixed streams.
  const members = [...stage, listener('weak', { uploadKbps: 100, since: -1 }), ...listeners(20, { uploadKbps: 500 })];
  const plan = planTree(members, SETTINGS);
  assert.equal(at(plan, 'weak').mixes, true);
  assert.ok(at(plan, 'weak').depth > 1, 'older than everyone, but below those who forward unchanged');
  assert.ok([...plan.audience].every(([peer, p]) => p.mixes === (peer === 'weak')), 'nobody else mixes: 500 carries four children of three streams');
  checkPlan(plan, members, SETTINGS);
  const alone = planTree([...stage, listener('weak', { uploadKbps: 100 }), ...listeners(14, { uploadKbps: 0 })], SETTINGS);
  assert.deepEqual([at(alone, 'weak').mixes, at(alone, 'weak').children.length], [true, 2], 'the only relay: it mixes for as many as its upload carries');
  const solo = planTree([speaker('s1'), listener('weak', { uploadKbps: 30 }), ...listeners(14, { uploadKbps: 0 })], SETTINGS);
  assert.equal(at(solo, 'weak').relays, false, 'with one speaker there is nothing to mix: 30 kbit/s carries nobody');
});

test('a TURN-only listener, or one that cannot upload, is a leaf wherever it sits', () => {
  const members = [speaker('s'), listener('turn', { turnOnly: true, uploadKbps: 100_000 }), listener('mute', { uploadKbps: 0 }), ...listeners(20, { since: 1 })];
  const plan = planTree(members, SETTINGS);
  for (const peer of ['turn', 'mute']) assert.deepEqual([at(plan, peer).relays, at(plan, peer).children], [false, []]);
  checkPlan(plan, members, SETTINGS);
});

test('the older relay sits nearer the stage; equal ages go by peer id', () => {
  const old = ['z', 'y', 'x'].map((peer) => listener(peer, { since: 1 }));
  const members = [speaker('s'), ...old, listener('b-new', { since: 9 }), listener('a-new', { since: 9 }), ...listeners(8, { since: 10 })];
  const plan = planTree(members, SETTINGS);
  assert.deepEqual(plan.roots, ['a-new', 'x', 'y', 'z']);
  assert.equal(at(plan, 'b-new').depth, 2);
});

test('capacity comes before age: an old listener who can feed two sits below younger ones who can feed four', () => {
  const members = [speaker('s'), listener('old', { uploadKbps: 90, since: -1 }), ...listeners(12)];
  const plan = planTree(members, SETTINGS);
  assert.deepEqual(plan.roots, ['l000', 'l001', 'l002', 'l003']);
  assert.equal(at(plan, 'old').depth, 2);
});

test('when relays cannot hold everyone, the stage feeds the rest rather than overloading a relay', () => {
  const members = [speaker('s'), listener('relay'), ...listeners(20, { turnOnly: true, since: 1 })];
  const plan = planTree(members, SETTINGS);
  assert.equal(at(plan, 'relay').children.length, 4);
  assert.equal(plan.roots.length, 21 - 4, 'everyone the relay cannot take is a root');
  checkPlan(plan, members, SETTINGS);
});

test('a join attaches to the shallowest relay with a free slot and moves nobody', () => {
  const members = [speaker('s'), ...listeners(30)];
  const before = planTree(members, SETTINGS);
  const after = planTree([...members, listener('new', { since: 99 })], SETTINGS, before);
  assert.equal(at(after, 'new').parent, 'l006', 'l006 is the one relay on level 2 with room');
  assert.deepEqual(moved(before, after), []);
});

test('a relay who leaves is replaced by a leaf from the deepest level, which adopts its children at their depth', () => {
  const members = [speaker('s'), ...listeners(30)];
  const before = planTree(members, SETTINGS);
  const after = planTree(members.filter((m) => m.peer !== 'l000'), SETTINGS, before);
  const heir = at(after, 'l004').parent!;
  assert.equal(at(before, heir).depth, 3, 'the heir came from the deepest level');
  assert.deepEqual(after.roots, [heir, 'l001', 'l002', 'l003'].sort());
  assert.deepEqual(at(after, heir).children, at(before, 'l000').children);
  assert.deepEqual(moved(before, after).sort(), [heir, ...at(before, 'l000').children].sort(), 'only the heir and the orphans');
  for (const peer of at(before, 'l000').children) assert.equal(at(after, peer).depth, 2);
});

test('a gap two levels above the deepest leaf takes that leaf; a gap one level above it stays open', () => {
  // 4 roots, 16 on level 2, 64 on level 3 (l019 feeds l080…l083), and l084…l087 below l020.
  const members = [speaker('s'), ...listeners(88)];
  const before = planTree(members, SETTINGS);
  assert.deepEqual(at(before, 'l019').children, ['l080', 'l081', 'l082', 'l083']);
  const gone = new Set(['l080', 'l081', 'l082', 'l083']);
  const shallow = planTree(members.filter((m) => !gone.has(m.peer)), SETTINGS, before);
  assert.deepEqual(moved(before, shallow), [], 'gaps on level 3, leaves on level 4: nobody moves');
  const deep = planTree(members.filter((m) => !gone.has(m.peer) && m.peer !== 'l019'), SETTINGS, shallow);
  const [up, ...others] = moved(shallow, deep);
  assert.deepEqual(others, []);
  assert.deepEqual([at(shallow, up!).depth, at(deep, up!).parent, at(deep, up!).depth], [4, 'l003', 2], 'a level-4 leaf fills the gap on level 2');
});

test('with fewer roots than fanout, a gap just above the deepest level is filled too, or the tree would outgrow its bound', () => {
  // One root, three below it, nine on level 3 (l004…l012), and l013 below l004.
  const settings = { fanout: 3, directMax: 1, streamKbps: 40 };
  let members = [speaker('s'), ...listeners(14)];
  let plan = planTree(members, settings);
  assert.equal(at(plan, 'l013').depth, 4);
  for (const peer of ['l005', 'l006', 'l007', 'l008', 'l009', 'l010', 'l011', 'l012']) {
    members = members.filter((m) => m.peer !== peer);
    plan = planTree(members, settings, plan);
  }
  assert.equal(maxDepth(plan), 3, 'six listeners, fanout 3: ⌈log_3 6⌉ + 1 = 3');
});

test('a backup is a relay with room to spare, while there are such relays', () => {
  const plan = planTree([speaker('s'), ...listeners(30)], SETTINGS);
  for (const p of plan.audience.values()) if (p.backup) assert.ok(at(plan, p.backup).children.length < 4, `${p.backup} is full`);
});

test("a relay's children fall back on different backups, so that its failure overloads none of them", () => {
  const plan = planTree([speaker('s'), ...listeners(200)], SETTINGS);
  for (const p of plan.audience.values()) {
    const backups = p.children.map((child) => at(plan, child).backup);
    assert.equal(new Set(backups).size, backups.length, `the children of a relay share a backup: ${backups}`);
  }
});

test('a placement that did not change is the very same object, so the server tells only those whose part changed', () => {
  const members = [speaker('s'), ...listeners(60)];
  const before = planTree(members, SETTINGS);
  const after = planTree([...members, listener('new', { since: 99 })], SETTINGS, before);
  const told = [...after.audience].filter(([peer, p]) => before.audience.get(peer) !== p).map(([peer]) => peer);
  assert.deepEqual(told.sort(), ['new', at(after, 'new').parent!].sort(), 'the newcomer, and the relay that now feeds it');
});

test('settings out of range, and a listener listed twice, are bugs: they throw', () => {
  for (const bad of [{ fanout: 0 }, { fanout: 1.5 }, { directMax: 0 }, { streamKbps: 0 }, { streamKbps: Number.NaN }]) {
    assert.throws(() => planTree(listeners(3), { ...SETTINGS, ...bad }), RangeError);
  }
  for (const n of [3, 30]) assert.throws(() => planTree([...listeners(n), listener('l000')], SETTINGS), RangeError);
});

test('the tree forms when the audience outgrows directMax, and goes back to direct when it shrinks', () => {
  const members = [speaker('s'), ...listeners(13)];
  const direct = planTree(members.slice(0, 13), SETTINGS);
  const tree = planTree(members, SETTINGS, direct);
  assert.equal(tree.mode, 'tree');
  checkPlan(tree, members, SETTINGS);
  const back = planTree(members.slice(0, 13), SETTINGS, tree);
  assert.equal(back.mode, 'direct');
  checkPlan(back, members.slice(0, 13), SETTINGS);
});

test('a listener who goes on stage leaves the tree like a leave, and a second speaker halves what relays can feed', () => {
  const members = [speaker('s'), ...listeners(40, { uploadKbps: 200 })];
  const before = planTree(members, SETTINGS);
  assert.equal(at(before, 'l000').children.length, 4);
  const promoted = members.map((m) => (m.peer === 'l000' ? speaker('l000') : m));
  const after = planTree(promoted, SETTINGS, before);
  assert.equal(after.audience.has('l000'), false);
  checkPlan(after, promoted, SETTINGS);
  assert.ok([...after.audience.values()].every((p) => p.children.length <= 2), '200 kbit/s carries two children of two streams');
});

test('a relay that must shed children sheds leaves first, so that those who feed others stay put', () => {
  // l000 feeds l004…l007, and l004 feeds l020 and l021. When l004 leaves, l020 takes its place,
  // so l000's children are now three leaves and l020, the worst relay of them but a parent.
  const members = [speaker('s'), ...listeners(22, { uploadKbps: 200 })];
  const first = planTree(members, SETTINGS);
  const rest = members.filter((m) => m.peer !== 'l004');
  const before = planTree(rest, SETTINGS, first);
  assert.deepEqual([at(before, 'l000').children, at(before, 'l020').children], [['l005', 'l006', 'l007', 'l020'], ['l021']]);
  const after = planTree([...rest, speaker('s2')], SETTINGS, before);
  assert.deepEqual(at(after, 'l000').children, ['l005', 'l020'], 'kept: the parent, and the better relay of the leaves');
  assert.deepEqual(at(after, 'l020').children, ['l021']);
});

type Shape = Omit<TreeMember, 'peer'>;
type Change = { kind: 'join'; member: Shape } | { kind: 'leave' | 'tier'; pick: number };
const anyShape: fc.Arbitrary<Shape> = fc.record({
  tier: fc.constantFrom('audience', 'audience', 'audience', 'audience', 'stage'),
  uploadKbps: fc.constantFrom(0, 30, 45, 90, 130, 170, 1000, 100_000),
  turnOnly: fc.boolean(),
  repacks: fc.boolean(),
  since: fc.integer({ min: 0, max: 20 }),
});
/** Everyone can relay at full fanout, whatever the stage size. */
const strongShape: fc.Arbitrary<Shape> = anyShape.map((m) => ({ ...m, uploadKbps: 1e9, turnOnly: false }));
const named = (shapes: readonly Shape[], prefix = 'm'): TreeMember[] => shapes.map((m, i) => ({ ...m, peer: `${prefix}${i}` }));
const anySettings = (minFanout = 1): fc.Arbitrary<TreeSettings> =>
  fc.record({ fanout: fc.integer({ min: minFanout, max: 5 }), directMax: fc.integer({ min: 1, max: 12 }), streamKbps: fc.constant(40) });
const anyChange = (shape: fc.Arbitrary<Shape>, kinds: readonly Change['kind'][]): fc.Arbitrary<Change> =>
  fc.oneof(
    ...kinds.map((kind): fc.Arbitrary<Change> => (kind === 'join' ? shape.map((member) => ({ kind, member })) : fc.nat().map((pick) => ({ kind, pick })))),
  );

/** Applies a change; leaves and tier changes pick among `from` (the audience, or everyone). */
function apply(members: readonly TreeMember[], change: Change, step: number, from: 'audience' | 'anyone'): TreeMember[] {
  if (change.kind === 'join') return [...members, { ...change.member, peer: `j${step}` }];
  const pool = members.filter((m) => from === 'anyone' || m.tier === 'audience');
  const target = pool[change.pick % Math.max(1, pool.length)];
  if (!target) return [...members];
  if (change.kind === 'leave') return members.filter((m) => m !== target);
  return members.map((m) => (m === target ? { ...m, tier: m.tier === 'stage' ? 'audience' : 'stage' } : m));
}

/** Plans after each batch of changes, each plan given the one before; calls back with both. */
function replay(
  initial: readonly TreeMember[],
  batches: readonly (readonly Change[])[],
  settings: TreeSettings,
  from: 'audience' | 'anyone',
  check: (before: TreePlan, after: TreePlan) => void,
): void {
  let members = [...initial];
  let plan = planTree(members, settings);
  checkPlan(plan, members, settings);
  batches.forEach((batch, step) => {
    members = batch.reduce((ms, change, i) => apply(ms, change, step * 10 + i, from), members);
    const next = planTree(members, settings, plan);
    checkPlan(next, members, settings);
    check(plan, next);
    plan = next;
  });
}

/** Rooms of up to `maxLength` members: fast-check's default size would keep them under ten. */
const room = (shape: fc.Arbitrary<Shape>, maxLength = 60): fc.Arbitrary<Shape[]> => fc.array(shape, { maxLength, size: 'medium' });
/** Sequences of plans reach rare repair paths only over many runs. */
const SEQUENCES = { numRuns: 500 };
const single = (change: fc.Arbitrary<Change>): fc.Arbitrary<Change[][]> => fc.array(change.map((c) => [c]), { maxLength: 25, size: 'medium' });

test('any members make a plan that keeps every rule: one parent, no cycle, capacities, roots, backups', () => {
  fc.assert(fc.property(room(anyShape, 80), anySettings(), (shapes, settings) => checkPlan(planTree(named(shapes), settings), named(shapes), settings)));
});

test('a previous plan made under other settings (fanout, directMax) still gives a plan that keeps the rules', () => {
  fc.assert(
    fc.property(room(anyShape), anySettings(), anySettings(), (shapes, before, after) => {
      const members = named(shapes);
      checkPlan(planTree(members, after, planTree(members, before)), members, after);
    }),
    SEQUENCES,
  );
});

test('after any joins, leaves and tier changes, one at a time or several at once, every plan keeps the rules', () => {
  const batches = fc.array(fc.array(anyChange(anyShape, ['join', 'leave', 'tier']), { minLength: 1, maxLength: 4 }), { maxLength: 20, size: 'medium' });
  fc.assert(fc.property(room(anyShape), batches, anySettings(), (shapes, changes, settings) => replay(named(shapes), changes, settings, 'anyone', () => {})), SEQUENCES);
});

test('in a fresh plan the costlier a hop through a relay, the deeper it sits: forwarding unchanged, then repacking, then mixing', () => {
  fc.assert(
    fc.property(room(anyShape), anySettings(), (shapes, settings) => {
      const members = named(shapes);
      const plan = planTree(members, settings);
      const repacks = new Set(members.filter((m) => m.repacks).map((m) => m.peer));
      const depths = (which: (peer: string, p: Placement) => boolean): number[] => [...plan.audience].filter(([peer, p]) => p.relays && which(peer, p)).map(([, p]) => p.depth);
      const classes = [depths((peer, p) => !p.mixes && !repacks.has(peer)), depths((peer, p) => !p.mixes && repacks.has(peer)), depths((_, p) => p.mixes)];
      for (let cheaper = 0; cheaper < classes.length; cheaper += 1) {
        for (let costlier = cheaper + 1; costlier < classes.length; costlier += 1) {
          const [a, b] = [classes[cheaper]!, classes[costlier]!];
          if (a.length > 0 && b.length > 0) assert.ok(Math.max(...a) <= Math.min(...b), `a relay of cost ${cheaper} below one of cost ${costlier}`);
        }
      }
    }),
    SEQUENCES,
  );
});

test('one join or one leave moves at most fanout + 2 of the members who stay', () => {
  const audienceShape = anyShape.map((m): Shape => ({ ...m, tier: 'audience' }));
  const changes = single(anyChange(audienceShape, ['join', 'leave']));
  fc.assert(
    fc.property(room(anyShape), changes, anySettings(), (shapes, steps, settings) =>
      replay(named(shapes), steps, settings, 'audience', (before, after) => {
        if (before.mode === 'tree' && after.mode === 'tree') assert.ok(moved(before, after).length <= settings.fanout + 2, `moved ${moved(before, after)}`);
      }),
    ),
    SEQUENCES,
  );
});

test('when everyone relays at full fanout, one change moves at most fanout + 1 and the depth stays within ⌈log_fanout N⌉ + 1', () => {
  const changes = single(anyChange(strongShape, ['join', 'leave', 'tier']));
  fc.assert(
    fc.property(room(strongShape, 100), changes, anySettings(2), (shapes, steps, settings) =>
      replay(named(shapes), steps, settings, 'anyone', (before, after) => {
        if (after.mode === 'tree') assert.ok(maxDepth(after) <= ceilLog(after.audience.size, settings.fanout) + 1, `depth ${maxDepth(after)} for ${after.audience.size}`);
        if (before.mode === 'tree' && after.mode === 'tree') assert.ok(moved(before, after).length <= settings.fanout + 1, `moved ${moved(before, after)}`);
      }),
    ),
    SEQUENCES,
  );
});

test('the depth bound also holds when several changes arrive in one plan', () => {
  const batches = fc.array(fc.array(anyChange(strongShape, ['join', 'leave', 'tier']), { minLength: 1, maxLength: 6 }), { maxLength: 20, size: 'medium' });
  fc.assert(
    fc.property(room(strongShape, 100), batches, anySettings(2), (shapes, steps, settings) =>
      replay(named(shapes), steps, settings, 'anyone', (_, after) => {
        if (after.mode === 'tree') assert.ok(maxDepth(after) <= ceilLog(after.audience.size, settings.fanout) + 1);
      }),
    ),
    SEQUENCES,
  );
});

test('the same members in any order, with the same previous plan, give the same plan', () => {
  const input = room(anyShape).chain((shapes) => {
    const members = named(shapes);
    return fc.tuple(fc.constant(members), fc.shuffledSubarray(members, { minLength: members.length }), fc.subarray(members));
  });
  fc.assert(
    fc.property(input, fc.array(anyShape, { maxLength: 10 }), anySettings(), ([members, shuffled, stayed], left, settings) => {
      const previous = planTree([...stayed, ...named(left, 'gone')], settings);
      assert.deepEqual(planTree(shuffled, settings, previous), planTree(members, settings, previous));
      assert.deepEqual(planTree(shuffled, settings), planTree(members, settings));
    }),
  );
});
