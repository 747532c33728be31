/**
 * Pause: an emergency brake that governance or the guardian pulls at once and only governance
 * releases. While paused, nothing new is listed and queries say so; leaving the directory and
 * revoking still work.
 */
import '@ton/test-utils';
import { Address } from '@ton/core';
import { ERR_NOT_GOVERNANCE, ERR_PAUSED, loadImageVerdict, loadProxyDelisted, loadRootParams, ROLE_PROXY } from '../../wrappers/Root';
import { HASHES } from '../fixtures/environment';
import {
    delistProxyForRoot,
    excessesTo,
    expectAccepted,
    listProxy,
    refuses,
    replyFrom,
    rootEvents,
    sharedEnvironment,
} from '../helpers/root';

/** Two proxies listed: node 0 and node 1 of the stranger. */
const ctx = sharedEnvironment<{ listed: Address[] }>({}, async (env) => {
    const listed: Address[] = [];
    for (const nodeIndex of [0n, 1n]) {
        const l = await listProxy(env, {
            owner: env.stranger.address,
            nodeIndex,
            imageHash: HASHES.proxyImage,
            attestationRoot: HASHES.root,
        });
        expectAccepted(l.result, l.provider, env.root.address);
        listed.push(l.provider);
    }
    return { listed };
});

describe('pause', () => {
    it.each(['governance', 'guardian'] as const)('%s pauses at once', async (who) => {
        const { env } = ctx;
        const actor = env[who];
        const r = await env.root.sendPause(actor.getSender(), 4n);
        expectAccepted(r, actor.address, env.root.address);
        expect(excessesTo(r, env.root.address, actor.address).queryId).toBe(4n);
        expect((await env.root.getState()).paused).toBe(true);
        const events = rootEvents(r, env.root.address);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ $$type: 'PauseChanged', paused: true });
    });

    it('pausing a paused Root and unpausing an unpaused one succeed, still bumping configVersion and emitting', async () => {
        const { env } = ctx;
        const v0 = (await env.root.getState()).configVersion;
        const u = await env.root.sendUnpause(env.governance.getSender());
        expectAccepted(u, env.governance.address, env.root.address);
        expect(rootEvents(u, env.root.address)).toEqual([
            expect.objectContaining({ $$type: 'PauseChanged', paused: false, configVersion: v0 + 1n }),
        ]);
        await env.root.sendPause(env.guardian.getSender());
        const p = await env.root.sendPause(env.guardian.getSender());
        expectAccepted(p, env.guardian.address, env.root.address);
        expect(rootEvents(p, env.root.address)).toEqual([
            expect.objectContaining({ $$type: 'PauseChanged', paused: true, configVersion: v0 + 3n }),
        ]);
        const s = await env.root.getState();
        expect(s.paused).toBe(true);
        expect(s.configVersion).toBe(v0 + 3n);
    });

    it('only governance unpauses; the guardian and others get ERR_NOT_GOVERNANCE', async () => {
        const { env } = ctx;
        expectAccepted(await env.root.sendPause(env.guardian.getSender()), env.guardian.address, env.root.address);
        for (const who of [env.guardian, env.stranger, env.newGovernance]) {
            await refuses(env, who.address, ERR_NOT_GOVERNANCE, () => env.root.sendUnpause(who.getSender()));
        }
        expect((await env.root.getState()).paused).toBe(true);
        const r = await env.root.sendUnpause(env.governance.getSender(), 6n);
        expectAccepted(r, env.governance.address, env.root.address);
        expect(excessesTo(r, env.root.address, env.governance.address).queryId).toBe(6n);
        expect((await env.root.getState()).paused).toBe(false);
    });

    describe('while paused', () => {
        beforeEach(async () => {
            expectAccepted(await ctx.env.root.sendPause(ctx.env.guardian.getSender()), ctx.env.guardian.address, ctx.env.root.address);
        });

        it('ListProxyForRoot is refused with ERR_PAUSED, for new and already listed proxies', async () => {
            const { env, extra } = ctx;
            for (const nodeIndex of [0n, 2n]) {
                const provider = await env.root.getProviderAddress(env.stranger.address, nodeIndex);
                await refuses(env, provider, ERR_PAUSED, async () => {
                    const l = await listProxy(env, {
                        owner: env.stranger.address,
                        nodeIndex,
                        imageHash: HASHES.bothImage,
                        attestationRoot: HASHES.root,
                        endpoint: 'https://new.example',
                    });
                    return l.result;
                });
            }
            expect((await env.root.getProxy(extra.listed[0]))!.imageHash).toBe(HASHES.proxyImage);
        });

        it('queries answer paused = true', async () => {
            const { env } = ctx;
            const r1 = await env.root.sendQueryImage(env.stranger.getSender(), HASHES.proxyImage, ROLE_PROXY, HASHES.root);
            const v = replyFrom(r1, env.root.address, env.stranger.address, loadImageVerdict);
            expect(v.paused).toBe(true);
            expect(v.imageAllowed).toBe(true);
            expect(v.rootAllowed).toBe(true);
            const r2 = await env.root.sendQueryParams(env.stranger.getSender());
            expect(replyFrom(r2, env.root.address, env.stranger.address, loadRootParams).paused).toBe(true);
        });

        it('DelistProxyForRoot still works', async () => {
            const { env, extra } = ctx;
            const d = await delistProxyForRoot(env, { owner: env.stranger.address, nodeIndex: 0n, queryId: 9n });
            expectAccepted(d.result, d.provider, env.root.address);
            const reply = replyFrom(d.result, env.root.address, d.provider, loadProxyDelisted);
            expect(reply.wasListed).toBe(true);
            expect(reply.queryId).toBe(9n);
            expect(await env.root.getProxy(extra.listed[0])).toBeNull();
            expect((await env.root.getState()).proxyCount).toBe(1n);
        });

        it.each(['governance', 'guardian'] as const)('DelistProxy by %s still works', async (who) => {
            const { env, extra } = ctx;
            expectAccepted(await env.root.sendDelistProxy(env[who].getSender(), extra.listed[1]), env[who].address, env.root.address);
            expect(await env.root.getProxy(extra.listed[1])).toBeNull();
        });

        it('revocations still work', async () => {
            const { env } = ctx;
            const g = env.guardian;
            expectAccepted(await env.root.sendRevokeImage(g.getSender(), HASHES.proxyImage, ROLE_PROXY), g.address, env.root.address);
            expectAccepted(await env.root.sendRevokeAttestationRoot(g.getSender(), HASHES.root), g.address, env.root.address);
            expectAccepted(await env.root.sendRevokeModel(g.getSender(), HASHES.model), g.address, env.root.address);
            const s = await env.root.getState();
            expect([s.imageCount, s.attestationRootCount, s.modelCount]).toEqual([2n, 1n, 0n]);
        });

        it('after Unpause, listing works again and queries answer paused = false', async () => {
            const { env } = ctx;
            expectAccepted(await env.root.sendUnpause(env.governance.getSender()), env.governance.address, env.root.address);
            const l = await listProxy(env, {
                owner: env.stranger.address,
                nodeIndex: 2n,
                imageHash: HASHES.bothImage,
                attestationRoot: HASHES.root,
            });
            expectAccepted(l.result, l.provider, env.root.address);
            expect((await env.root.getState()).proxyCount).toBe(3n);
            const r = await env.root.sendQueryParams(env.stranger.getSender());
            expect(replyFrom(r, env.root.address, env.stranger.address, loadRootParams).paused).toBe(false);
        });
    });
});
