/**
 * The scripts' parameter table (scripts/lib/params.ts) against the contract: at each bound the Root
 * accepts a ProposeParams, one step outside it refuses with the exit code the table names, and the
 * scripts' own check agrees. Also the command-line value syntax.
 */
import '@ton/test-utils';
import { readFileSync } from 'node:fs';
import { toNano } from '@ton/core';
import { Blockchain, BlockchainSnapshot, SandboxContract, TreasuryContract } from '@ton/sandbox';
import { emptyAttestationRoots, emptyImages, emptyModels, ExtendedRoot, Params, paramsFromConfig, ParamsConfig } from '../../wrappers/Root';
import { NUMERIC_PARAMS, PARAM_KEYS, paramProblems, parseParamValue } from '../../scripts/lib/params';

describe('parameter bounds table', () => {
    let blockchain: Blockchain;
    let governance: SandboxContract<TreasuryContract>;
    let root: SandboxContract<ExtendedRoot>;
    let base: Params;
    let snapshot: BlockchainSnapshot;

    beforeAll(async () => {
        blockchain = await Blockchain.create();
        governance = await blockchain.treasury('governance');
        const devnet = JSON.parse(readFileSync('scripts/config/devnet.json', 'utf8')).params as ParamsConfig;
        base = paramsFromConfig({ ...devnet, treasury: governance.address.toString() });
        root = blockchain.openContract(
            await ExtendedRoot.fromRootInit({
                governance: governance.address,
                guardian: null,
                isTest: true,
                params: base,
                attestationRoots: emptyAttestationRoots(),
                images: emptyImages(),
                models: emptyModels(),
                nonce: 0n,
            }),
        );
        await root.sendDeploy(governance.getSender(), toNano('1'));
        snapshot = blockchain.snapshot();
    });

    const propose = async (params: Params) => {
        await blockchain.loadFrom(snapshot);
        return root.sendProposeParams(governance.getSender(), params);
    };

    it('covers every field of Params', () => {
        expect([...PARAM_KEYS].sort()).toEqual(
            Object.keys(base)
                .filter((k) => k !== '$$type')
                .sort(),
        );
    });

    it.each(NUMERIC_PARAMS.map((p) => [p.key, p] as const))('%s: the table bounds are the contract bounds', async (_key, p) => {
        for (const v of [p.min, p.max]) {
            const params = { ...base, [p.key]: v };
            expect(paramProblems(params)).toEqual([]);
            expect((await propose(params)).transactions).toHaveTransaction({ to: root.address, success: true });
        }
        const outside = p.min > 0n ? [p.min - 1n, p.max + 1n] : [p.max + 1n];
        for (const v of outside) {
            const params = { ...base, [p.key]: v };
            expect(paramProblems(params).join('\n')).toContain(`params.${p.key} = `);
            expect((await propose(params)).transactions).toHaveTransaction({ to: root.address, success: false, exitCode: Number(p.error) });
        }
    });

    it('parses command-line values in their units', () => {
        expect(parseParamValue('governanceDelay', '7d')).toBe(604800n);
        expect(parseParamValue('governanceDelay', '90m')).toBe(5400n);
        expect(parseParamValue('governanceDelay', '3600')).toBe(3600n);
        expect(parseParamValue('protocolFeeBps', '2.5%')).toBe(250n);
        expect(parseParamValue('protocolFeeBps', '250')).toBe(250n);
        expect(parseParamValue('minStakeProxy', '0.5')).toBe(toNano('0.5'));
        expect(() => parseParamValue('minStakeProxy', '1e3')).toThrow('expected a TON amount');
        expect(() => parseParamValue('unbondingDelay', '1w')).toThrow('expected a duration');
    });
});
