/**
 * `npm run demo`: the Root's life on an in-process @ton/sandbox chain, driven by the real operator
 * scripts (scripts/*.ts) through the same NetworkProvider interface `blueprint run` gives them.
 * Nothing leaves the machine. Each step prints the command an operator would type against a real
 * network and what the script printed.
 *
 * Steps: deploy a test Root from scripts/config/devnet.json; propose an image and a model; try to
 * execute before the governance delay (refused); advance the chain clock; execute; a proxy lists
 * itself in the directory from its Provider address; revoke the image at once; show the Root.
 */
import { createHash } from 'node:crypto';
import { Address, toNano } from '@ton/core';
import { Blockchain } from '@ton/sandbox';
import type { NetworkProvider } from '@ton/blueprint';
import { ExtendedRoot, formatHash256, modelHash, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { SandboxNetworkProvider } from '../sandbox/networkProvider';

type Script = { run(provider: NetworkProvider, args: string[]): Promise<void> };

// Arbitrary demo values: the image hash's definition over TDX registers comes with the Provider.
const IMAGE = formatHash256(BigInt('0x' + createHash('sha256').update('demo TDX image').digest('hex')));
const MODEL = modelHash('Qwen/Qwen3-8B', 'main', '9f1a0b7c3d2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c');

/** Runs the demo, writing to `log`; throws if any step does not behave as described. */
export async function main(log: (line: string) => void = console.log) {
    const blockchain = await Blockchain.create();
    blockchain.now = Math.floor(Date.now() / 1000);
    const governance = await blockchain.treasury('governance');
    const provider = new SandboxNetworkProvider(blockchain, governance);
    let root: Address | undefined = undefined;

    const step = async (title: string, script: string, args: string[], expectFailure = false) => {
        const shown = script === 'deployRoot' ? args : ['--', ...args];
        log(`\n=== ${title}\n$ npx blueprint run ${script} <network> <wallet> ${shown.join(' ')}`.trimEnd());
        provider.recordingUI.clear();
        const mod = (await import(`../../scripts/${script}`)) as Script;
        const scriptArgs = script === 'deployRoot' ? args : [...args, ...(root ? ['--root', root.toString()] : [])];
        try {
            await mod.run(provider, scriptArgs);
            if (expectFailure) throw new Error(`${script} was expected to refuse`);
        } catch (e) {
            if (!expectFailure) {
                log(provider.recordingUI.text());
                throw e;
            }
            log(provider.recordingUI.text());
            log(`refused: ${(e as Error).message}`);
            return '';
        }
        const out = provider.recordingUI.text();
        log(out);
        return out;
    };

    const deployed = await step('Deploy a test Root (governance: the demo wallet)', 'deployRoot', ['scripts/config/devnet.json']);
    const m = /raw:\s+(0:[0-9a-f]{64})/.exec(deployed);
    if (!m) throw new Error('deployRoot printed no address');
    root = Address.parse(m[1]);

    await step('Propose a TDX image for both roles', 'proposeImage', [IMAGE, 'worker,proxy']);
    await step('Propose a model', 'proposeModel', [formatHash256(MODEL)]);
    await step('Execute before the governance delay: refused, nothing sent', 'executeProposal', ['0'], true);

    const delay = Number((await blockchain.openContract(ExtendedRoot.fromAddress(root)).getParams()).governanceDelay);
    blockchain.now = blockchain.now! + delay + 1;
    log(`\n=== The chain clock moves ${delay + 1} s forward (the governance delay)`);
    await step('Execute the image proposal (anyone may)', 'executeProposal', ['0']);
    await step('Execute the model proposal', 'executeProposal', ['1']);

    // A proxy's Provider contract lists itself; the Provider issue adds the contract logic that
    // sends this message, so the demo sends it from the Provider's address directly.
    const r = blockchain.openContract(ExtendedRoot.fromAddress(root));
    const owner = await blockchain.treasury('proxy-owner');
    const providerAddress = await r.getProviderAddress(owner.address, 0n);
    await r.send(
        blockchain.sender(providerAddress),
        { value: toNano('0.05') },
        {
            $$type: 'ListProxyForRoot',
            queryId: 0n,
            owner: owner.address,
            nodeIndex: 0n,
            imageHash: BigInt(IMAGE),
            attestationRoot: TEST_ATTESTATION_ROOT_HASH,
            endpoint: 'https://proxy-1.local:8443',
        },
    );
    log(`\n=== A proxy lists itself from its Provider contract ${providerAddress.toString()}`);

    await step('Show the Root', 'showRoot', []);
    await step('Revoke the image for the proxy role: immediate', 'revokeImage', [IMAGE, 'proxy']);
    await step('Show the Root again', 'showRoot', []);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
