/**
 * Proposes new parameters: from a parameters file (a ParamsConfig as JSON), or the current ones,
 * with key=value overrides on top. Values: TON amounts as "100" or "0.5", durations in seconds or
 * as "90m", "12h", "7d", basis points as an integer or "2.5%", treasury as an address.
 *
 *     npx blueprint run proposeParams --testnet --mnemonic -- governanceDelay=3d protocolFeeBps=1.5%
 *     npx blueprint run proposeParams --testnet --mnemonic -- params.json
 */
import type { NetworkProvider } from '@ton/blueprint';
import { loadParamsFile } from './lib/config';
import { paramsEqual, applyOverrides } from './lib/params';
import { actionCli } from './lib/args';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'proposeParams', rest: '[params.json] [key=value...]' });
    const [first, ...others] = cli.rest;
    if (first === undefined) cli.fail('nothing to propose: give a parameters file, key=value overrides, or both');
    const file = first.includes('=') ? undefined : first;
    const overrides = file === undefined ? cli.rest : others;
    await runProposal(
        provider,
        cli,
        async (ctx) => ({
            $$type: 'ProposeParams',
            queryId: 0n,
            params: applyOverrides(file === undefined ? await ctx.read.params() : loadParamsFile(file), overrides, (p) => cli.fail(p)),
        }),
        async (ctx, g) =>
            g.$$type === 'ProposeParams' && paramsEqual(g.params, await ctx.read.params())
                ? 'the proposed parameters equal the current ones'
                : undefined,
    );
}
