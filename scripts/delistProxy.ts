/**
 * Removes a proxy from the Root's directory, at once (governance or the guardian). The proxy is
 * named by its Provider contract address, as showRoot lists it.
 *
 *     npx blueprint run delistProxy --testnet --mnemonic -- <providerAddress>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_NOT_LISTED } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatAddress } from './lib/format';
import { errorName } from './lib/params';
import { RootReader } from './lib/root';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'delistProxy', args: ['providerAddress'] });
    const providerAddress = cli.address('providerAddress');
    const listed = async (read: RootReader) => (await read.proxies()).find((p) => p.provider.equals(providerAddress));
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async (ctx) => {
            const entry = (await listed(ctx.read))?.entry;
            return [`delist proxy ${formatAddress(providerAddress, ctx.network)}${entry ? ` (endpoint ${entry.endpoint})` : ''}`];
        },
        refuse: async (ctx) =>
            (await listed(ctx.read)) ? undefined : `this Provider is not in the proxy directory (${errorName(ERR_NOT_LISTED)})`,
        send: (root, via, queryId) => root.sendDelistProxy(via, providerAddress, queryId),
        effect: async (read, ctx) =>
            (await listed(read)) ? undefined : [`Proxy ${formatAddress(providerAddress, ctx.network)} delisted.`],
    });
}
