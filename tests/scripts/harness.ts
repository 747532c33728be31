/**
 * Runs the operator scripts' run() functions against a sandbox chain, through SandboxNetworkProvider.
 * `createHarness` makes the actors; `deployDevnetRoot` deploys scripts/config/devnet.json with the
 * deployRoot script itself (the deployer becomes governance and treasury).
 */
import type { NetworkProvider } from '@ton/blueprint';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address, toNano } from '@ton/core';
import { Blockchain, SandboxContract, TreasuryContract } from '@ton/sandbox';
import { ExtendedProvider } from '../../wrappers/Provider';
import { ExtendedRoot, formatHash256, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { SandboxNetworkProvider } from '../../tools/sandbox/networkProvider';

export const DEVNET_CONFIG = 'scripts/config/devnet.json';
export const START = 1_750_000_000;

type Script = { run(provider: NetworkProvider, args: string[]): Promise<void> };

/**
 * A private temporary folder for a spec's files (key seeds, profiles, vouchers) and a writer for
 * it: `write(name, content)` creates the file with mode 600 (as the scripts want a key file) and
 * returns its path.
 */
export function scratch(prefix: string) {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const write = (name: string, content: string, mode = 0o600): string => {
        const path = join(dir, name);
        writeFileSync(path, content);
        chmodSync(path, mode);
        return path;
    };
    return { dir, write };
}

export async function createHarness() {
    const blockchain = await Blockchain.create();
    blockchain.now = START;
    const governance = await blockchain.treasury('governance');
    const guardian = await blockchain.treasury('guardian');
    const stranger = await blockchain.treasury('stranger');
    const newGovernance = await blockchain.treasury('new-governance');
    const provider = new SandboxNetworkProvider(blockchain, governance);

    /**
     * Runs scripts/<name>.ts with `args` from `wallet` (default governance); returns what it wrote.
     * The UI record is cleared first; a thrown error propagates.
     */
    const run = async (name: string, args: string[], wallet: SandboxContract<TreasuryContract> = governance): Promise<string> => {
        const script = (await import(`../../scripts/${name}`)) as Script;
        provider.useWallet(wallet);
        provider.recordingUI.clear();
        await script.run(provider, args);
        return provider.recordingUI.text();
    };

    /** Runs a script that must fail; returns its error message and checks that nothing was sent. */
    const refused = async (name: string, args: string[], wallet: SandboxContract<TreasuryContract> = governance): Promise<string> => {
        const before = provider.sent.length;
        const error = await run(name, args, wallet).then(
            () => undefined,
            (e: unknown) => e,
        );
        if (!(error instanceof Error)) throw new Error(`${name} ${args.join(' ')} was expected to fail but succeeded`);
        if (provider.sent.length !== before) throw new Error(`${name} failed but sent ${provider.sent.length - before} message(s)`);
        return error.message;
    };

    const advance = (seconds: number) => {
        blockchain.now = (blockchain.now ?? START) + seconds;
    };

    const rootAt = (address: Address) => blockchain.openContract(ExtendedRoot.fromAddress(address));

    /**
     * Lists a proxy in the Root's directory the way its Provider contract would: from the Provider's
     * address (the sandbox lets a test send from any address). Returns that address.
     */
    const listProxy = async (
        root: Address,
        owner: Address,
        imageHash: bigint,
        attestationRoot: bigint,
        endpoint = 'https://proxy.example:8443',
    ) => {
        const r = rootAt(root);
        const provider = await r.getProviderAddress(owner, 0n);
        const result = await r.send(
            blockchain.sender(provider),
            { value: toNano('0.05') },
            { $$type: 'ListProxyForRoot', queryId: 0n, owner, nodeIndex: 0n, imageHash, attestationRoot, endpoint },
        );
        const tx = result.transactions.find((t) => t.inMessage?.info.dest?.toString() === root.toString());
        if (!tx || tx.description.type !== 'generic' || tx.description.computePhase.type !== 'vm' || !tx.description.computePhase.success) {
            throw new Error('listing the proxy failed');
        }
        return provider;
    };

    return { blockchain, provider, governance, guardian, stranger, newGovernance, run, refused, advance, rootAt, listProxy };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** Deploys devnet.json with deployRoot from governance; returns the Root's address. */
export async function deployDevnetRoot(h: Harness): Promise<Address> {
    const out = await h.run('deployRoot', [DEVNET_CONFIG]);
    const m = /raw:\s+(0:[0-9a-f]{64})/.exec(out);
    if (!m) throw new Error(`deployRoot printed no raw address:\n${out}`);
    return Address.parse(m[1]);
}

/**
 * A Root deployed from devnet.json with an active, listed proxy set up by the scripts themselves:
 * proposeImage and executeProposal allow `image` for proxies, then the proxy owner runs
 * registerProvider (the example profile), bindAttestation (a TEE key file of `seed`, under the
 * simulated test root, a day's expiry), stake `stake` TON and unstake 10, so some stake unbonds.
 * `write` is the spec's scratch writer. Ends an hour after START.
 */
export async function listedProxyByScripts(
    h: Harness,
    a: { image: string; seed: Buffer; stake: string; write: (name: string, content: string) => string },
) {
    const root = await deployDevnetRoot(h);
    const at = ['--root', root.toString()];
    await h.run('proposeImage', [a.image, 'proxy', ...at]);
    h.advance(3600);
    await h.run('executeProposal', ['0', ...at], h.stranger);
    const proxyOwner = await h.blockchain.treasury('proxy-owner');
    const node = ['--node', '0', ...at];
    const profile = a.write('proxy.json', readFileSync('scripts/config/proxy-profile.example.json', 'utf8'));
    await h.run('registerProvider', ['proxy', profile, ...node], proxyOwner);
    const testRoot = formatHash256(TEST_ATTESTATION_ROOT_HASH);
    const keyFile = a.write('proxy.seed', a.seed.toString('hex'));
    const bound = await h.run('bindAttestation', [a.image, testRoot, '+1d', '--tee-key-file', keyFile, ...node], proxyOwner);
    expect(bound).toContain('Binding accepted');
    expect(await h.run('stake', [a.stake, ...node], proxyOwner)).toContain("Listed in the Root's proxy directory");
    await h.run('unstake', ['10', ...node], proxyOwner);
    const proxy = (await ExtendedProvider.forNode(root, proxyOwner.address, 0n)).address;
    return { root, at, node, proxyOwner, proxy };
}
