/**
 * Chain time as the scripts read it from each kind of API blueprint may hand them, and the bounded
 * wait for an effect.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Address } from '@ton/core';
import { chainTime, waitFor } from '../../scripts/lib/chain';
import { RecordingUI } from '../../tools/sandbox/networkProvider';

const near = new Address(0, Buffer.alloc(32, 1));

/** A provider whose api() is `api` and that offers the given extra members. */
function providerWith(api: object, extra: object = {}): NetworkProvider {
    const ui = new RecordingUI();
    return { api: () => api, ui: () => ui, ...extra } as unknown as NetworkProvider;
}

describe('chainTime', () => {
    it('asks the provider first when it tells the time (the sandbox adapter does)', async () => {
        const t = await chainTime(providerWith({}, { chainTime: async () => 42 }), near);
        expect(t).toEqual({ now: 42, source: 'told by the network provider' });
    });

    it('API v4: the last block time', async () => {
        const t = await chainTime(providerWith({ getLastBlock: async () => ({ now: 1000 }) }), near);
        expect(t).toEqual({ now: 1000, source: 'last block (API v4)' });
    });

    it('liteserver: its current time', async () => {
        expect((await chainTime(providerWith({ getCurrentTime: async () => 2000 }), near)).now).toBe(2000);
    });

    it('toncenter API v2: sync_utime of the answer about an account', async () => {
        const asked: Address[] = [];
        const api = {
            getMasterchainInfo: async () => ({}),
            getContractState: async (a: Address) => {
                asked.push(a);
                return { timestampt: 3000 };
            },
        };
        expect(await chainTime(providerWith(api), near)).toEqual({ now: 3000, source: 'last synced block (API v2)' });
        expect(asked[0].equals(near)).toBe(true);
    });

    it('falls back to the local clock, and says so', async () => {
        const t = await chainTime(providerWith({}), near);
        expect(Math.abs(t.now - Date.now() / 1000)).toBeLessThan(5);
        expect(t.source).toContain('local clock');
    });
});

describe('waitFor', () => {
    it('polls until the probe answers, at most pollAttempts times, then fails with the message', async () => {
        let calls = 0;
        const provider = providerWith({}, { pollIntervalMs: 0, pollAttempts: 4 });
        const found = await waitFor(provider, 'x', async () => (++calls === 3 ? 'done' : undefined), 'never');
        expect([found, calls]).toEqual(['done', 3]);
        calls = 0;
        await expect(waitFor(provider, 'x', async () => (calls++, undefined), 'gave up')).rejects.toThrow('gave up');
        expect(calls).toBe(4);
    });
});
