/**
 * deployRoot: deploys from a config file, prints the address in raw and friendly form, sends
 * nothing when the Root exists already, and refuses a bad config before sending anything.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address } from '@ton/core';
import { ExtendedRoot, formatHash256, rootInitFromConfig, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { createHarness, deployDevnetRoot, DEVNET_CONFIG, Harness } from './harness';

const EXAMPLE = 'scripts/config/testnet.example.json';
const dir = mkdtempSync(join(tmpdir(), 'cocoon-deploy-'));

/** Writes `config` to a temporary file and returns its path. */
function configFile(name: string, config: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(config, null, 4));
    return path;
}

const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8'));

describe('deployRoot', () => {
    let h: Harness;
    beforeEach(async () => {
        h = await createHarness();
    });

    it('deploys scripts/config/devnet.json: a test Root governed by the deployer, with the simulated root', async () => {
        const address = await deployDevnetRoot(h);
        const out = h.provider.recordingUI.text();
        expect(out).toContain(`raw:                       ${address.toRawString()}`);
        expect(out).toContain(`friendly (bounceable):     ${address.toString({ bounceable: true })}`);
        expect(out).toContain(`export ROOT_ADDRESS=${address.toString()}`);
        expect(h.provider.sent).toHaveLength(1);

        const root = h.rootAt(address);
        const state = await root.getState();
        expect(state.isTest).toBe(true);
        expect(state.governance.equals(h.governance.address)).toBe(true);
        expect(state.guardian).toBeNull();
        expect((await root.getParams()).treasury.equals(h.governance.address)).toBe(true);
        expect(await root.getIsAttestationRootAllowed(TEST_ATTESTATION_ROOT_HASH)).toBe(true);
    });

    it('devnet.json lists the simulated root the contracts know (no stale copy of the constant)', () => {
        const devnet = JSON.parse(readFileSync(DEVNET_CONFIG, 'utf8'));
        expect(devnet.isTest).toBe(true);
        expect(devnet.attestationRoots).toContain(formatHash256(TEST_ATTESTATION_ROOT_HASH));
    });

    it('says so and sends nothing when the Root is already deployed', async () => {
        const address = await deployDevnetRoot(h);
        const out = await h.run('deployRoot', [DEVNET_CONFIG]);
        expect(out).toContain(`A Root is already deployed at ${address.toString()}; nothing was sent.`);
        expect(h.provider.sent).toHaveLength(1);
    });

    it('--dry-run prints the address and sends nothing', async () => {
        const out = await h.run('deployRoot', [DEVNET_CONFIG, '--dry-run']);
        expect(out).toMatch(/raw:\s+0:[0-9a-f]{64}/);
        expect(out).toContain('Dry run: nothing sent.');
        expect(h.provider.sent).toHaveLength(0);
    });

    it('deploys a production config (a filled-in copy of the example) with isTest false', async () => {
        const path = configFile('testnet.json', example());
        await h.run('deployRoot', [path]);
        const address = (await ExtendedRoot.fromRootInit(rootInitFromConfig(example()))).address;
        expect(await h.provider.isContractDeployed(address)).toBe(true);
        const state = await h.rootAt(address).getState();
        expect(state.isTest).toBe(false);
        expect(state.attestationRootCount).toBe(1n);
        expect(state.imageCount).toBe(2n);
        expect(state.modelCount).toBe(1n);
    });

    it('refuses a production config that lists the simulated test root, before sending anything', async () => {
        const config = example();
        config.attestationRoots.push(formatHash256(TEST_ATTESTATION_ROOT_HASH));
        const path = configFile('bad-prod.json', config);
        const message = await h.refused('deployRoot', [path]);
        expect(message).toContain('isTest is false but attestationRoots lists the simulated test root TEST_ATTESTATION_ROOT_HASH');
        expect(message).toContain('ERR_TEST_ROOT_ON_PRODUCTION');
        expect(h.provider.sent).toHaveLength(0);
    });

    it('refuses the example file itself: its addresses are placeholders', async () => {
        const message = await h.refused('deployRoot', [EXAMPLE]);
        expect(message).toContain('is an example');
        expect(message).toContain('Usage: npx blueprint run deployRoot');
    });

    it.each([
        ['missing', undefined, 'governance is missing'],
        ['empty', '', 'governance is missing'],
        ['not an address', 'multisig-to-be', 'governance "multisig-to-be" is not a valid address'],
        ['a bad checksum', 'kQBfvaN3Ae2OhC_XkxIl0Z_dOyiDScGhXGqFJYHMxzoSD1Pe', 'is not a valid address'],
        ['@deployer in a production config', '@deployer', 'only a test config (isTest true) may use'],
    ])('refuses a config whose governance is %s', async (_what, governance, expected) => {
        const config = { ...example(), governance };
        const message = await h.refused('deployRoot', [configFile('gov.json', config)]);
        expect(message).toContain(expected);
        expect(h.provider.sent).toHaveLength(0);
    });

    it('refuses parameters out of bounds, naming the parameter and the exit code the Root would use', async () => {
        const config = example();
        config.params.governanceDelay = 60;
        const message = await h.refused('deployRoot', [configFile('bounds.json', config)]);
        expect(message).toContain('params.governanceDelay = 1m (60 s) is outside [1h (3600 s), 30d (2592000 s)]');
        expect(message).toContain('ERR_GOVERNANCE_DELAY_BOUNDS');
    });

    it('refuses unknown fields (a misspelt guardian) and reports every problem at once', async () => {
        const config = example();
        config.guardain = config.guardian;
        config.images[0].roles = ['admin'];
        config.models.push('not-a-model');
        const message = await h.refused('deployRoot', [configFile('typos.json', config)]);
        expect(message).toContain('unknown field "guardain"');
        expect(message).toContain('images[0].roles: unknown role "admin"');
        expect(message).toContain('models[1] "not-a-model": expected a 256-bit hash');
    });

    it('names the file when it cannot be read or parsed, and the argument when it is missing', async () => {
        expect(await h.refused('deployRoot', [join(dir, 'absent.json')])).toContain('cannot read the config file');
        writeFileSync(join(dir, 'broken.json'), '{ "isTest": true,');
        expect(await h.refused('deployRoot', [join(dir, 'broken.json')])).toContain('is not valid JSON');
        expect(await h.refused('deployRoot', [])).toContain('missing argument <config.json>');
        expect(await h.refused('deployRoot', [DEVNET_CONFIG, '--value', 'lots'])).toContain('invalid --value "lots"');
    });

    it('a Root deployed from devnet.json gets the same address whoever runs the script, given the same deployer', async () => {
        const first = await deployDevnetRoot(h);
        const again = await createHarness();
        expect((await deployDevnetRoot(again)).equals(first)).toBe(true);
        expect(Address.isAddress(first)).toBe(true);
    });
});
