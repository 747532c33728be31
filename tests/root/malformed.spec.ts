/**
 * Malformed input: a known opcode with a truncated body fails to parse (Cell underflow), an
 * unknown opcode is refused (Invalid incoming message); neither changes anything, and the Root
 * keeps working. A plain transfer with an empty body tops the Root up.
 */
import '@ton/test-utils';
import { Address, beginCell, Cell, toNano } from '@ton/core';
import { internal } from '@ton/sandbox';
import { loadRootParams, Root } from '../../wrappers/Root';
import { Env } from '../fixtures/environment';
import { opcodeOnly, sampleBodies, truncated } from '../helpers/messages';
import {
    captureRoot,
    expectAccepted,
    expectUnchanged,
    messagesBetween,
    refuses,
    replyFrom,
    sendRaw,
    sharedEnvironment,
} from '../helpers/root';

const ctx = sharedEnvironment();

const NAMES = Object.keys(sampleBodies(new Address(0, Buffer.alloc(32))));

/** The Root still answers queries and accepts governance actions. */
async function stillWorks(env: Env) {
    const q = await env.root.sendQueryParams(env.stranger.getSender(), 5n);
    expect(replyFrom(q, env.root.address, env.stranger.address, loadRootParams).queryId).toBe(5n);
    const p = await env.root.sendPause(env.guardian.getSender());
    expectAccepted(p, env.guardian.address, env.root.address);
    expect((await env.root.getState()).paused).toBe(true);
}

describe('malformed bodies', () => {
    it('the samples cover every typed receiver and each parses as its own opcode', () => {
        const typed = ctx.env.root.abi
            .receivers!.filter((r) => r.message.kind === 'typed')
            .map((r) => (r.message as { type: string }).type);
        expect([...NAMES].sort()).toEqual([...typed].sort());
        const bodies = sampleBodies(ctx.env.stranger.address);
        for (const [name, body] of Object.entries(bodies)) {
            expect(body.beginParse().preloadUint(32)).toBe((Root.opcodes as Record<string, number>)[name]);
        }
    });

    describe.each(NAMES)('%s', (name) => {
        it('with its last bit or reference cut off fails with Cell underflow and changes nothing', async () => {
            const { env } = ctx;
            const body = truncated(sampleBodies(env.stranger.address)[name]);
            await refuses(env, env.governance.address, Root.errors['Cell underflow'], () =>
                env.governance.send({ to: env.root.address, value: toNano('0.1'), body }),
            );
            await stillWorks(env);
        });

        it('with only its opcode and a byte fails with Cell underflow and changes nothing', async () => {
            const { env } = ctx;
            const body = opcodeOnly(sampleBodies(env.stranger.address)[name]);
            await refuses(env, env.stranger.address, Root.errors['Cell underflow'], () =>
                env.stranger.send({ to: env.root.address, value: toNano('0.1'), body }),
            );
        });
    });

    it.each([
        ['an unknown opcode', beginCell().storeUint(0xdeadbeef, 32).storeUint(0, 64).endCell()],
        [
            'an opcode one above a receiver',
            beginCell()
                .storeUint(Root.opcodes.QueryParams + 1, 32)
                .storeUint(0, 64)
                .endCell(),
        ],
        [
            "the Root's own answer ProxyListed",
            beginCell().storeUint(Root.opcodes.ProxyListed, 32).storeUint(0, 64).storeUint(0, 32).endCell(),
        ],
        ["the Root's own answer RootParams", beginCell().storeUint(Root.opcodes.RootParams, 32).storeUint(0, 64).endCell()],
        ['an event opcode (ProposalCreated)', beginCell().storeUint(Root.opcodes.ProposalCreated, 32).storeUint(0, 128).endCell()],
        ['Excesses', beginCell().storeUint(Root.opcodes.Excesses, 32).storeUint(0, 64).endCell()],
        ['a text comment (no text receivers)', beginCell().storeUint(0, 32).storeStringTail('top up').endCell()],
    ] as [string, Cell][])('%s is refused with Invalid incoming message and changes nothing', async (_l, body) => {
        const { env } = ctx;
        await refuses(env, env.stranger.address, Root.errors['Invalid incoming message'], () =>
            env.stranger.send({ to: env.root.address, value: toNano('0.1'), body }),
        );
        await stillWorks(env);
    });

    it('a bounced message is ignored', async () => {
        const { env } = ctx;
        const before = await captureRoot(env);
        const body = beginCell()
            .storeUint(0xffffffff, 32)
            .storeBuffer(sampleBodies(env.stranger.address).Pause.beginParse().loadBuffer(12))
            .endCell();
        const r = await env.blockchain.sendMessage(
            internal({ from: env.guardian.address, to: env.root.address, value: toNano('0.1'), body, bounced: true }),
        );
        expectAccepted(r, env.guardian.address, env.root.address);
        const after = await captureRoot(env);
        expect(after.data.equals(before.data)).toBe(true);
        expect(after.state.paused).toBe(false);
    });
});

describe('top-ups', () => {
    it('a plain transfer with an empty body is accepted, kept, and changes nothing else', async () => {
        const { env } = ctx;
        const before = await captureRoot(env);
        const r = await env.stranger.send({ to: env.root.address, value: toNano('2'), bounce: true });
        expectAccepted(r, env.stranger.address, env.root.address);
        const after = await captureRoot(env);
        expect(after.balance).toBeGreaterThan(before.balance + toNano('1.99'));
        expect(after.data.equals(before.data)).toBe(true);
        expect(messagesBetween(r, env.root.address, env.stranger.address)).toHaveLength(0);
        await expectUnchanged(env, before, r);
    });

    it('a top-up from any address, including a Provider contract, is accepted', async () => {
        const { env } = ctx;
        const provider = await env.root.getProviderAddress(env.stranger.address, 0n);
        const r = await sendRaw(env, provider, Cell.EMPTY, toNano('0.5'));
        expectAccepted(r, provider, env.root.address);
    });
});
