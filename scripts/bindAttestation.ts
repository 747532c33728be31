/**
 * Binds the enclave's TEE key (Ed25519) to a Provider (owner only): the key signs a claim naming
 * this Provider, the image and attestation root it attested under, and an expiry; the Provider
 * then asks its Root whether image and root are allowed for its role, and the binding counts only
 * if the Root's answer allows it.
 *
 *     npx blueprint run bindAttestation --testnet --mnemonic -- <imageHash> <attestationRoot> +7d --tee-key-file tee.seed
 *
 * The key signs here when --tee-key-file names a file holding its 32-byte seed as hex. In
 * production the enclave signs: --print-claim prints the claim hash to sign (with the exact
 * expiry as unix seconds), and --signature <hex128> --tee-public-key <hex64> submits the result.
 *
 * Checked before sending: the Root allows the image for the Provider's role and the attestation
 * root, it is not paused, the expiry lies within the Root's attestationLifetime, the signature
 * verifies, and no Root check is in flight. Afterwards the script reports whether the binding was
 * accepted or refused, with the reasons of the Provider's BindingRefused event when the API lists
 * its transactions.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { KeyPair } from '@ton/crypto';
import {
    Binding,
    bindingClaimHash,
    CHECK_VALUE,
    ERR_BAD_TEE_SIGNATURE,
    ERR_BINDING_EXPIRED,
    ERR_ALREADY_JAILED,
    ERR_KEY_CONVICTED,
    signBindingClaim,
    STATUS_ACTIVE,
    STATUS_JAILED,
} from '../wrappers/Provider';
import { formatAt, formatDuration, formatHash, formatRootHash, formatTime, formatTon, friendly, table } from './lib/format';
import { parseExpiry, parseHexBytes, readTeeKeyFile, refusedReasons, verifyClaimSignature } from './lib/binding';
import { RefusedError, ScriptError } from './lib/errors';
import { errorName } from './lib/params';
import {
    openProvider,
    printProviderHeader,
    ProviderContext,
    providerActionCli,
    providerEvents,
    roleName,
    transactionsSince,
} from './lib/provider';
import { checkInFlight, closed, runProviderAction, settled, throwIfRefused, unregistered } from './lib/providerAction';
import { distrustReasons, watchListing, statusChange, trustNow } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(
        args,
        { script: 'bindAttestation', args: ['imageHash', 'attestationRoot', 'expiresAt: ISO time|+duration|unix'] },
        { 'tee-key-file': 'path', signature: 'hex128', 'tee-public-key': 'hex64', 'print-claim': null },
    );
    const imageHash = cli.hash('imageHash');
    const attestationRoot = cli.hash('attestationRoot');
    const expiryArg = cli.arg('expiresAt');
    cli.parse('expiresAt', expiryArg, (v) => parseExpiry(v, 0)); // the syntax, before any network call

    const keyFile = cli.option('tee-key-file');
    const sigArg = cli.option('signature');
    const pubArg = cli.option('tee-public-key');
    const printClaim = cli.switch('print-claim');
    if (printClaim) {
        if (keyFile !== undefined || sigArg !== undefined)
            cli.fail('--print-claim prints the claim for a key that signs elsewhere: give it without --tee-key-file and --signature');
        if (cli.switch('dry-run')) cli.fail('--print-claim sends nothing anyway: drop --dry-run');
    } else if (keyFile !== undefined) {
        if (sigArg !== undefined || pubArg !== undefined)
            cli.fail('give either --tee-key-file <path> or --signature <hex128> with --tee-public-key <hex64>, not both');
    } else if (sigArg !== undefined || pubArg !== undefined) {
        if (sigArg === undefined)
            cli.fail(
                "--tee-public-key needs --signature <hex128>: the TEE key's signature over the claim hash (--print-claim prints the hash)",
            );
        if (pubArg === undefined) cli.fail('--signature needs --tee-public-key <hex64>: the Ed25519 public key that made it');
    } else {
        cli.fail(
            'no TEE key: give --tee-key-file <path> (a file holding its 32-byte Ed25519 seed as hex), or --signature <hex128> with --tee-public-key <hex64> for a signature made in the enclave (--print-claim prints what to sign)',
        );
    }
    const givenSignature =
        sigArg === undefined ? undefined : cli.parse('--signature', sigArg, (v) => parseHexBytes(v, 64, 'an Ed25519 signature'));
    const givenPublicKey =
        pubArg === undefined ? undefined : cli.parse('--tee-public-key', pubArg, (v) => parseHexBytes(v, 32, 'an Ed25519 public key'));
    const fromFile = keyFile === undefined ? undefined : readTeeKeyFile(keyFile);

    const ctx = await openProvider(provider, cli);
    const { network } = ctx;
    const now = ctx.time.now;
    const expiresAt = cli.parse('expiresAt', expiryArg, (v) => parseExpiry(v, now));
    const before = await ctx.read.state();
    const role = before.role;
    const claimHash = bindingClaimHash(ctx.address, imageHash, attestationRoot, expiresAt);
    await checkClaimHash(ctx, claimHash, imageHash, attestationRoot, expiresAt);

    /** Why the Root's answer would refuse the binding, as BindingRefused's reasons would say. */
    const verdictProblems = async (): Promise<string[]> => {
        const trust = await trustNow(ctx.root.read, imageHash, attestationRoot, role);
        const lifetime = (await ctx.root.read.params()).attestationLifetime;
        const problems = distrustReasons(trust, role);
        const latest = BigInt(now) + lifetime;
        if (expiresAt > latest) {
            problems.push(
                `expiresAt ${formatAt(expiresAt, now)} is later than the Root's attestationLifetime of ${formatDuration(lifetime)} allows: at most ${formatTime(latest)} (${latest})`,
            );
        }
        return problems;
    };
    const claimProblem = async (): Promise<string | undefined> => {
        const early = unregistered(before) ?? closed(before);
        if (early) return early;
        if (expiresAt <= BigInt(now))
            return `expiresAt ${formatAt(expiresAt, now)} is not in the future (${errorName(ERR_BINDING_EXPIRED)})`;
        const problems = await verdictProblems();
        if (problems.length > 0) return `the Root's answer would refuse this binding (BindingRefused): ${problems.join('; ')}`;
        return undefined;
    };

    if (printClaim) {
        printProviderHeader(ctx);
        const problem = await claimProblem();
        if (problem) throw new RefusedError(`Not printed: ${problem}`);
        ctx.ui.write('Binding claim (what the TEE key signs to bind itself to this Provider):');
        ctx.ui.write(
            table([
                ['provider', friendly(ctx.address, network)],
                ['imageHash', formatHash(imageHash)],
                ['attestationRoot', formatRootHash(attestationRoot)],
                ['expiresAt', `${formatAt(expiresAt, now)}, unix ${expiresAt}`],
            ]).join('\n'),
        );
        ctx.ui.write(`Claim hash (32 bytes, hex; sign these bytes with Ed25519): ${claimHash.toString('hex')}`);
        ctx.ui.write('Then submit the signature with the same expiry:');
        ctx.ui.write(
            `npx blueprint run bindAttestation <network> <wallet> -- ${formatHash(imageHash)} ${formatHash(attestationRoot)} ${expiresAt} --signature <hex128> --tee-public-key ${givenPublicKey ? givenPublicKey.toString('hex') : '<hex64>'} --provider ${friendly(ctx.address, network)}`,
        );
        return;
    }

    const publicKey = fromFile ? fromFile.key.publicKey : givenPublicKey!;
    const signature = fromFile ? signBindingClaim(fromFile.key, ctx.address, imageHash, attestationRoot, expiresAt) : givenSignature!;
    const teeKey = BigInt('0x' + publicKey.toString('hex'));
    const requested: Binding = { $$type: 'Binding', imageHash, attestationRoot, teeKey, expiresAt, revoked: false };
    const previous = await ctx.read.binding();
    if (fromFile?.warning) ctx.ui.write(fromFile.warning);

    const listing = await watchListing(ctx);
    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => [
            `bind TEE key ${formatHash(teeKey)} to this ${roleName(role)}:`,
            ...table(
                [
                    ['image', formatHash(imageHash)],
                    ['attestation root', formatRootHash(attestationRoot)],
                    ['expiresAt', formatAt(expiresAt, now)],
                    ['signature', fromFile ? `made with the key in ${keyFile}` : 'given (--signature)'],
                    ['claim hash', claimHash.toString('hex')],
                    [
                        'replaces',
                        previous
                            ? `TEE key ${formatHash(previous.teeKey)}, expiring ${formatAt(previous.expiresAt, now)}`
                            : 'nothing (no binding yet)',
                    ],
                ],
                '    ',
            ),
            "It counts only if the Root's answer allows it; otherwise the current binding stays.",
            ...(before.listed ? ["The proxy's directory entry then names the new image and root."] : []),
        ],
        refuse: async () => {
            const problem = unregistered(before) ?? closed(before) ?? (await checkInFlight(ctx.read));
            if (problem) return problem;
            if (!verifyClaimSignature(claimHash, signature, publicKey)) {
                return (
                    `the signature does not verify: it is not TEE key ${formatHash(teeKey)}'s signature over the claim hash ${claimHash.toString('hex')} ` +
                    `(the Provider would refuse it with ${errorName(ERR_BAD_TEE_SIGNATURE)}). The claim covers this Provider's address, the image, the root and the exact expiry ${expiresAt}: ` +
                    'sign the hash that --print-claim prints for the same arguments, and pass that expiry as unix seconds'
                );
            }
            const payees = await ctx.read.payees();
            if (payees?.convicted.has(teeKey)) {
                return `TEE key ${formatHash(teeKey)} was proven to equivocate here (payees().convicted): the Provider never binds it again (${errorName(ERR_KEY_CONVICTED)}); bind a new key`;
            }
            // Jailed by a governance slash, a proxy may rotate its key; jailed for equivocation, not.
            if (before.status === STATUS_JAILED && payees?.convictedJail) {
                return `the Provider is jailed for equivocation: it binds no new key until governance releases it (${errorName(ERR_ALREADY_JAILED)})`;
            }
            const claim = await claimProblem();
            if (claim) return claim;
            if (previous && sameBinding(previous, requested))
                return 'this binding is in place already (same key, image, root and expiry, not revoked)';
            return undefined;
        },
        value: CHECK_VALUE,
        send: (contract, via, queryId) =>
            contract.sendBind(
                via,
                { teeKey: { publicKey, secretKey: Buffer.alloc(0) } as KeyPair, imageHash, attestationRoot, expiresAt, signature },
                queryId,
            ),
        waitingFor: "the Root's answer to the binding",
        effect: async (read, _ctx, sent) => {
            const bound = await read.binding();
            if (bound && sameBinding(bound, requested)) {
                const listed = await listing(read, sent);
                if (listed === undefined) return undefined;
                const after = await read.state();
                const view = await read.rootView();
                const next =
                    after.status === STATUS_ACTIVE
                        ? []
                        : after.stake < view.minStake
                          ? [`Stake at least ${formatTon(view.minStake)} in total to become active (stake).`]
                          : [];
                return [
                    `Binding accepted: TEE key ${formatHash(teeKey)} is bound until ${formatAt(expiresAt, now)}.`,
                    statusChange(before, after),
                    ...next,
                    ...listed,
                ];
            }
            if (!(await settled(read, sent))) return undefined;
            // The Provider is done and the binding is not ours: refused, by the Provider or the Root.
            await throwIfRefused(ctx, sent);
            const kept = bound
                ? `its binding stays (TEE key ${formatHash(bound.teeKey)}, expiring ${formatAt(bound.expiresAt, now)})`
                : 'it stays without a binding';
            const txs = await transactionsSince(ctx, sent.lastLt, 32);
            const event = (txs ? providerEvents(txs) : []).find(
                (e) =>
                    e.kind === 'BindingRefused' &&
                    e.event.teeKey === teeKey &&
                    e.event.imageHash === imageHash &&
                    e.event.attestationRoot === attestationRoot,
            );
            if (event && event.kind === 'BindingRefused') {
                throw new ScriptError(
                    `the binding was refused by the Root's answer (BindingRefused): ${refusedReasons(event.event.reasons).join('; ')}. The Provider keeps what it had: ${kept}.`,
                );
            }
            const problems = await (async () => {
                const trust = await trustNow(ctx.root.fresh(), imageHash, attestationRoot, role);
                return distrustReasons(trust, role);
            })();
            throw new ScriptError(
                `the binding did not change: the Root's answer refused it, and ${txs ? 'no BindingRefused event was found' : "this API does not list the Provider's transactions, which hold the BindingRefused reasons"}. ` +
                    `The Root now: ${problems.length > 0 ? problems.join('; ') : 'allows the image and the root, and is not paused'}. The Provider keeps what it had: ${kept}.`,
            );
        },
    });
}

function sameBinding(a: Binding, b: Binding): boolean {
    return (
        a.teeKey === b.teeKey &&
        a.imageHash === b.imageHash &&
        a.attestationRoot === b.attestationRoot &&
        a.expiresAt === b.expiresAt &&
        a.revoked === b.revoked
    );
}

/**
 * The claim hash computed here must be the one the deployed Provider verifies: its getter computes
 * it with its own code.
 */
async function checkClaimHash(ctx: ProviderContext, local: Buffer, imageHash: bigint, attestationRoot: bigint, expiresAt: bigint) {
    const onChain = await ctx.contract.getBindingClaimHash(imageHash, attestationRoot, expiresAt);
    if (onChain !== BigInt('0x' + local.toString('hex'))) {
        throw new ScriptError(
            `the Provider's bindingClaimHash getter (${onChain.toString(16).padStart(64, '0')}) disagrees with wrappers/Provider.ts (${local.toString('hex')}): this Provider runs other code than this checkout`,
        );
    }
}
