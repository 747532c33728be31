/**
 * `npm run demo`: the protocol's on-chain life on the local devnet, driven by the real operator
 * scripts (scripts/*.ts) through blueprint's own NetworkProvider over the toncenter v2 API, exactly
 * as `npx blueprint run <script> --custom <devnet> --custom-version v2 --custom-type custom
 * --mnemonic` runs them. The devnet starts in this process, in memory; nothing leaves the machine.
 * Each step prints the command an operator would type and what the script printed.
 *
 * Steps: deploy a test Root from scripts/config/devnet.json (wallet 0 governs); propose an image
 * and a model; try to execute before the governance delay (refused); move the chain clock;
 * execute; a proxy operator (wallet 1) registers a proxy Provider, binds a simulated TEE key to
 * the allowed image, stakes, and its Provider lists itself in the Root's directory; governance
 * revokes the image at once; anyone's re-check suspends the proxy and delists it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNetworkProvider, NetworkProvider } from '@ton/blueprint';
import { Address } from '@ton/core';
import { formatHash256, modelHash, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { startDevnet } from '../devnet/server';
import { WALLET_VERSION } from '../devnet/wallets';
import { RecordingUI } from '../sandbox/networkProvider';

type Script = { run(provider: NetworkProvider, args: string[]): Promise<void> };

// A demo image: in production, the image hash of the proxy's TDX build (docs/attestation/image-hash.md).
const IMAGE = formatHash256(BigInt('0x' + createHash('sha256').update('demo TDX image').digest('hex')));
const MODEL = modelHash('Qwen/Qwen3-8B', 'main', '9f1a0b7c3d2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c');
const TEST_ROOT = formatHash256(TEST_ATTESTATION_ROOT_HASH);

/** Runs the demo, writing to `log`; throws if any step does not behave as described. */
export async function main(log: (line: string) => void = console.log) {
    // The devnet keeps the real clock; the scripts' wallets follow chain time (see below).
    const realNow = Date.now;
    const devnet = await startDevnet({
        port: 0,
        stateDir: null,
        admin: true,
        wallets: 2,
        clock: () => Math.floor(realNow() / 1000),
    });
    const work = mkdtempSync(path.join(tmpdir(), 'cocoon-demo-'));
    try {
        const [governance, operator] = devnet.chain.wallets;
        log(`Local devnet at ${devnet.endpoint} (toncenter v2 over @ton/sandbox, in memory).`);
        log(`Wallet 0 (governance): ${governance.address.toString({ bounceable: false })}`);
        log(`Wallet 1 (proxy operator): ${operator.address.toString({ bounceable: false })}`);
        const flags = `--custom ${devnet.endpoint} --custom-version v2 --custom-type custom --mnemonic`;

        const ui = new RecordingUI();
        const providerFor = async (wallet: typeof governance) => {
            process.env.WALLET_MNEMONIC = wallet.mnemonic.join(' ');
            process.env.WALLET_VERSION = WALLET_VERSION;
            return createNetworkProvider(ui, {
                _: [],
                '--custom': devnet.endpoint,
                '--custom-version': 'v2',
                '--custom-type': 'custom',
                '--mnemonic': true,
            } as never);
        };
        const asGovernance = await providerFor(governance);
        const asOperator = await providerFor(operator);
        let root: Address | undefined = undefined;

        const step = async (title: string, who: NetworkProvider, script: string, args: string[], expectFailure = false) => {
            const withRoot = script === 'deployRoot' || !root ? args : [...args, '--root', root.toString()];
            const shown = script === 'deployRoot' ? withRoot : ['--', ...withRoot];
            log(`\n=== ${title}\n$ npx blueprint run ${script} ${flags} ${shown.join(' ')}`.trimEnd());
            ui.clear();
            const mod = (await import(`../../scripts/${script}`)) as Script;
            try {
                await mod.run(who, withRoot);
                if (expectFailure) throw new Error(`${script} was expected to refuse`);
            } catch (e) {
                log(ui.text());
                if (!expectFailure) throw e;
                log(`refused: ${(e as Error).message}`);
                return '';
            }
            const out = ui.text();
            log(out);
            return out;
        };

        const deployed = await step('Deploy a test Root (wallet 0 governs)', asGovernance, 'deployRoot', ['scripts/config/devnet.json']);
        const m = /raw:\s+(0:[0-9a-f]{64})/.exec(deployed);
        if (!m) throw new Error('deployRoot printed no address');
        root = Address.parse(m[1]);

        await step('Propose a TDX image for both roles', asGovernance, 'proposeImage', [IMAGE, 'worker,proxy']);
        await step('Propose a model', asGovernance, 'proposeModel', [formatHash256(MODEL)]);
        await step('Execute before the governance delay: refused, nothing sent', asGovernance, 'executeProposal', ['0'], true);

        const params = await devnet.chain.bc.runGetMethod(root, 'params');
        const governanceDelay = (() => {
            const r = params.stackReader;
            // Params, in order: minStakeWorker, minStakeProxy, minEscrowReserve, unbondingDelay,
            // clientCloseDelay, proxyCloseDelay, attestationLifetime, equivocationSlashBps,
            // reporterShareBps, reporterRewardCap, protocolFeeBps, governanceDelay.
            r.skip(11);
            return Number(r.readBigNumber());
        })();
        devnet.chain.advanceTime(governanceDelay + 1);
        // Wallets sign valid_until from Date.now(); on the devnet it must follow chain time.
        Date.now = () => realNow() + devnet.chain.offset * 1000;
        log(
            `\n=== The devnet's clock moves ${governanceDelay + 1} s forward, past the governance delay (against a separate devnet: POST /devnet/time/advance with --admin)`,
        );
        await step('Execute the image proposal (anyone may)', asOperator, 'executeProposal', ['0']);
        await step('Execute the model proposal', asOperator, 'executeProposal', ['1']);

        const profile = path.join(work, 'proxy-profile.json');
        writeFileSync(
            profile,
            JSON.stringify({
                onlineHoursPerDay: 24,
                region: 'eu-west',
                endpoint: 'https://proxy-1.local:8443',
                pricesPerMillionTokens: { prompt: '0.1', cached: '0.01', completion: '0.4', reasoning: '0.4', workerFee: '0.3' },
            }),
        );
        const teeSeed = path.join(work, 'tee.seed');
        writeFileSync(teeSeed, createHash('sha256').update('demo simulated TEE key').digest('hex') + '\n', { mode: 0o600 });
        const node = ['--node', '0'];
        await step('Wallet 1 registers a proxy node', asOperator, 'registerProvider', ['proxy', profile, ...node]);
        await step('It binds its (simulated) TEE key to the allowed image under the test attestation root', asOperator, 'bindAttestation', [
            IMAGE,
            TEST_ROOT,
            '+1d',
            '--tee-key-file',
            teeSeed,
            ...node,
        ]);
        await step('It stakes the proxy minimum: the proxy becomes active and lists itself', asOperator, 'stake', ['50', ...node]);
        await step('The Root shows the proxy in its directory', asOperator, 'showRoot', []);
        await step('Governance revokes the image for the proxy role: immediate', asGovernance, 'revokeImage', [IMAGE, 'proxy']);
        const proxy = await providerAddress(asGovernance, root, operator.address);
        await step('Anyone re-checks the proxy: it is suspended and leaves the directory', asGovernance, 'recheck', ['--provider', proxy]);
        await step('The proxy Provider now', asOperator, 'showProvider', node);
    } finally {
        Date.now = realNow;
        rmSync(work, { recursive: true, force: true });
        await devnet.close();
    }
}

async function providerAddress(provider: NetworkProvider, root: Address, owner: Address): Promise<string> {
    const { ExtendedRoot } = await import('../../wrappers/Root');
    const { openReadable } = await import('../../scripts/lib/reader');
    return (await openReadable(provider, ExtendedRoot.fromAddress(root)).getProviderAddress(owner, 0n)).toString();
}

if (require.main === module) {
    main().then(
        () => process.exit(0),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
