/**
 * Replaces a Provider's profile (owner only) with the one in a JSON file, checked against the
 * contract's bounds for the Provider's role first. A listed proxy whose endpoint changes updates
 * its entry in the Root's directory; the script waits for that too.
 *
 *     npx blueprint run updateProfile --testnet --mnemonic -- scripts/config/worker-profile.json
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ACTION_VALUE } from '../wrappers/Provider';
import { table } from './lib/format';
import { loadProfileFile, profileChanges, profileRows, sameProfile } from './lib/profile';
import { openProvider, providerActionCli, roleName } from './lib/provider';
import { closed, runProviderAction, unregistered } from './lib/providerAction';
import { watchListing } from './lib/providerShow';
import { RefusedError } from './lib/errors';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(args, { script: 'updateProfile', args: ['profile.json'] });
    const path = cli.arg('profile.json');
    if (/\.example\.json$/.test(path)) cli.fail(`${path} is an example: copy it and describe your node`);
    const ctx = await openProvider(provider, cli);
    const before = await ctx.read.state();
    const role = roleName(before.role);
    if (role === 'none') throw new RefusedError(`Not sent: ${unregistered(before)}`);
    // The file is read for the Provider's role, so its problems are named for that role.
    const { profile } = loadProfileFile(path, role);
    const current = await ctx.read.profile();

    const listing = await watchListing(ctx);
    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => {
            const changes = current ? profileChanges(current, profile) : [];
            const models = await ctx.root.read.models();
            const listed = before.listed && current !== null && current.endpoint !== profile.endpoint;
            return [
                `update the ${role} profile${changes.length > 0 ? ':' : ''}`,
                ...table(changes, '    '),
                'The new profile:',
                ...table(
                    profileRows(role, profile, (h) =>
                        models.includes(h) ? '' : '  WARNING: not allowed by the Root (showRoot lists the models it allows)',
                    ),
                    '    ',
                ),
                ...(listed ? ["The endpoint changes: the Provider updates its entry in the Root's proxy directory."] : []),
                ...(listed && (await ctx.root.read.state()).paused
                    ? [
                          "WARNING: the Root is paused and refuses the directory update: its entry keeps the old endpoint until the proxy's entry is next updated (a new endpoint or binding) after the pause.",
                      ]
                    : []),
            ];
        },
        refuse: async () => closed(before) ?? (current && sameProfile(current, profile) ? 'the profile equals the current one' : undefined),
        value: ACTION_VALUE,
        send: (contract, via, queryId) => contract.sendUpdateProfile(via, profile, queryId),
        waitingFor: 'the Provider to store the profile',
        effect: async (read, _ctx, sent) => {
            const now = await read.profile();
            if (!now || !sameProfile(now, profile)) return undefined;
            const listed = await listing(read, sent);
            if (listed === undefined) return undefined;
            return ['Profile updated.', ...listed];
        },
    });
}
