/**
 * The devnet renders get-method stacks by tonlib's rules (tools/devnet/stack.ts), lossy parts
 * included, and scripts/lib/reader.ts reads Tact struct getters over that API without loss.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { beginCell, toNano, TupleItem } from '@ton/core';
import { TonClient } from '@ton/ton';
import { ExtendedRoot } from '../../wrappers/Root';
import { loadRootConfig } from '../../scripts/lib/config';
import { openReadable, tonClientV2 } from '../../scripts/lib/reader';
import { parseStackParam, renderStack } from '../../tools/devnet/stack';
import { RunningDevnet } from '../../tools/devnet/server';
import { client, testDevnet } from './helpers';

jest.setTimeout(60_000);

const int = (v: bigint): TupleItem => ({ type: 'int', value: v });
const nul: TupleItem = { type: 'null' };
const tuple = (...items: TupleItem[]): TupleItem => ({ type: 'tuple', items });

describe('devnet: stack rendering follows tonlib', () => {
    it('numbers are hex at the top level and decimal inside tuples', () => {
        expect(renderStack([int(255n), int(-16n), int(0n)])).toEqual([
            ['num', '0xff'],
            ['num', '-0x10'],
            ['num', '0x0'],
        ]);
        expect(renderStack([tuple(int(1n), int(2n), int(3n))])).toEqual([
            [
                'tuple',
                {
                    '@type': 'tvm.tuple',
                    elements: [1, 2, 3].map((n) => ({
                        '@type': 'tvm.stackEntryNumber',
                        number: { '@type': 'tvm.numberDecimal', number: String(n) },
                    })),
                },
            ],
        ]);
    });

    it('null is the empty list, and a pair ending in a list is a list (the lossy rule)', () => {
        expect(renderStack([nul])).toEqual([['list', { '@type': 'tvm.list', elements: [] }]]);
        const [pair] = renderStack([tuple(int(7n), nul)]) as [string, { elements: unknown[] }][];
        expect(pair[0]).toBe('list');
        expect(pair[1].elements).toHaveLength(1);
        const [nested] = renderStack([tuple(int(1n), tuple(int(2n), nul))]) as [string, { elements: unknown[] }][];
        expect(nested[0]).toBe('list');
        expect(nested[1].elements).toHaveLength(2);
        // Three items is never a list.
        expect((renderStack([tuple(int(1n), nul, nul)])[0] as [string])[0]).toBe('tuple');
    });

    it("a slice is sent as a cell, with toncenter's object form beside the bytes", () => {
        const cell = beginCell().storeUint(5, 3).storeRef(beginCell().storeUint(1, 8)).endCell();
        const [[kind, value]] = renderStack([{ type: 'slice', cell }]) as [
            string,
            { bytes: string; object: { data: { len: number }; refs: unknown[] } },
        ][];
        expect(kind).toBe('cell');
        expect(value.object.data.len).toBe(3);
        expect(value.object.refs).toHaveLength(1);
    });

    it("parses the input forms TonClient and toncenter's docs use, and names a bad entry", () => {
        const cell = beginCell().storeUint(9, 8).endCell();
        const b64 = cell.toBoc().toString('base64');
        const parsed = parseStackParam([
            ['num', '12'],
            ['num', '0x1f'],
            ['num', -3],
            ['tvm.Cell', b64],
            ['tvm.Slice', { bytes: b64 }],
        ]);
        expect(parsed.map((p) => p.type)).toEqual(['int', 'int', 'int', 'cell', 'slice']);
        expect(parsed.slice(0, 3).map((p) => (p as { value: bigint }).value)).toEqual([12n, 31n, -3n]);
        expect(() => parseStackParam([['num', 'twelve']])).toThrow(/stack entry 0/);
        expect(() => parseStackParam([['tvm.Cell', 'AAAA']])).toThrow(/INVALID_BAG_OF_CELLS: stack entry 0/);
        expect(() => parseStackParam([['float', 1]])).toThrow(/unsupported type "float"/);
    });
});

describe('devnet: Tact struct getters over toncenter v2', () => {
    let devnet: RunningDevnet;
    let tc: TonClient;
    let root: ExtendedRoot;
    beforeAll(async () => {
        devnet = await testDevnet({ wallets: 1 });
        tc = client(devnet);
        const w = devnet.chain.wallets[0];
        root = await ExtendedRoot.fromRootInit(loadRootConfig('scripts/config/devnet.json', w.address).init);
        const sender = tc.open(w.contract).sender(w.keyPair.secretKey);
        await tc.open(root).sendDeploy(sender, toNano('0.5'));
        // A pending proposal: the proposal(id) getter returns an optional struct, a tuple.
        await tc.open(root).sendProposeAddModel(tc.open(w.contract).sender(w.keyPair.secretKey), 0xabcdefn);
    });
    afterAll(async () => {
        await devnet.close();
    });

    it('TonClient alone cannot read a getter that returns a tuple (nor can it against toncenter itself)', async () => {
        // Flat results read fine; the items of a returned tuple come back untyped.
        expect((await tc.open(ExtendedRoot.fromAddress(root.address)).getState()).isTest).toBe(true);
        await expect(tc.open(ExtendedRoot.fromAddress(root.address)).getProposal(0n)).rejects.toThrow(
            /Not a number|Not a cell|Not a tuple/,
        );
    });

    it("the scripts' reader returns exactly what the contract returns", async () => {
        const provider = {
            api: () => tc,
            provider: (address: Parameters<TonClient['provider']>[0], init?: Parameters<TonClient['provider']>[1]) =>
                tc.provider(address, init),
            open: () => {
                throw new Error('openReadable must not use open() over TonClient v2');
            },
        } as unknown as NetworkProvider;
        expect(tonClientV2(provider)).toBe(tc);
        const opened = openReadable(provider, ExtendedRoot.fromAddress(root.address));
        const proposal = await opened.getProposal(0n);
        expect(proposal).not.toBeNull();
        // The same values as the chain's own run of the getter, read through the same wrapper.
        const onChain = await devnet.chain.bc.provider(root.address).get('proposal', [{ type: 'int', value: 0n }]);
        const direct = onChain.stack.readTupleOpt();
        expect(direct).not.toBeNull();
        expect(proposal!.executeAfter).toBe(direct!.readBigNumber());
        const again = await devnet.chain.bc.openContract(ExtendedRoot.fromAddress(root.address)).getProposal(0n);
        expect(proposal!.expiresAt).toBe(again!.expiresAt);
        expect(proposal!.body.hash().equals(again!.body.hash())).toBe(true);
        expect((await opened.getState()).isTest).toBe(true);
        // Where there is no TonClient v2 (the sandbox adapter of the script tests), nothing changes.
        const sandboxProvider = {
            api: () => {
                throw new Error('no api over the sandbox');
            },
            open: (c: unknown) => c,
        } as unknown as NetworkProvider;
        expect(tonClientV2(sandboxProvider)).toBeNull();
    });
});
