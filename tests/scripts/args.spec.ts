/**
 * Bad arguments: every script fails with a message naming the argument and ending with its usage
 * line, and sends nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Address } from '@ton/core';
import { createHarness, deployDevnetRoot, Harness } from './harness';

const HASH = 'ab'.repeat(32);

describe('script arguments', () => {
    let h: Harness;
    let root: Address;
    let at: string[];

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
        at = ['--root', root.toString()];
    });

    it.each([
        ['proposeImage', ['zz', 'worker'], 'invalid imageHash "zz": expected a 256-bit hash as 64 hex digits'],
        ['proposeImage', [HASH, 'admin'], 'invalid roles "admin": unknown role "admin" (expected worker or proxy)'],
        ['proposeImage', [HASH], 'missing argument <roles>'],
        ['proposeImage', [HASH, 'worker', 'proxy'], 'unexpected argument "proxy"'],
        ['revokeImage', [HASH, ''], 'invalid roles ""'],
        ['proposeAttestationRoot', ['0x' + 'ab'.repeat(31)], 'invalid rootHash'],
        ['revokeAttestationRoot', [], 'missing argument <rootHash>'],
        ['proposeModel', ['llama'], 'invalid model "llama": expected a 64-hex-digit model hash or name@revision:weightsSha256'],
        ['proposeModel', ['llama@main:xyz'], 'invalid model "llama@main:xyz": weights hash must be 64 hex digits'],
        ['revokeModel', ['42'], 'invalid model "42"'],
        ['proposeGuardian', ['nobody'], 'invalid guardian "nobody": expected a TON address'],
        ['proposeGovernance', ['EQ123'], 'invalid newGovernance "EQ123"'],
        ['delistProxy', ['0:xyz'], 'invalid providerAddress "0:xyz"'],
        ['executeProposal', ['abc'], 'invalid proposalId "abc": expected a non-negative integer'],
        ['executeProposal', ['-1'], 'invalid proposalId "-1"'],
        ['cancelProposal', ['4294967296'], 'invalid proposalId "4294967296": must be at most 4294967295'],
        ['proposeParams', [], 'nothing to propose'],
        ['proposeParams', ['fee=1'], 'unknown parameter "fee"; known: minStakeWorker,'],
        ['proposeParams', ['governanceDelay=soon'], 'invalid governanceDelay "soon": expected a duration'],
        ['proposeParams', ['protocolFeeBps=1.234%'], 'invalid protocolFeeBps "1.234%"'],
        ['proposeParams', ['minStakeWorker=-5'], 'invalid minStakeWorker "-5": expected a TON amount'],
        ['proposeParams', ['treasury=me'], 'invalid treasury "me"'],
        ['proposeParams', ['vetoWindow=2h', 'vetoWindow=3h'], 'parameter vetoWindow is given twice'],
        ['pause', ['now'], 'unexpected argument "now"'],
        ['showRoot', ['--json'], 'unknown option --json'],
        ['unpause', ['--dry-run=yes'], 'option --dry-run takes no value'],
    ])('%s %j is refused, naming the argument', async (script, args, expected) => {
        const message = await h.refused(script, [...args, ...at]);
        expect(message).toContain(expected);
        expect(message).toContain(`\nUsage: npx blueprint run ${script} <network> <wallet> --`);
    });

    it('names --root when it is missing its value or is not an address', async () => {
        expect(await h.refused('showRoot', ['--root'])).toContain('option --root needs a value <address>');
        expect(await h.refused('pause', ['--root', 'EQnope'])).toContain('invalid --root "EQnope"');
        expect(await h.refused('pause', [...at, ...at])).toContain('option --root is given twice');
    });

    describe('ROOT_ADDRESS', () => {
        const saved = process.env.ROOT_ADDRESS;
        afterEach(() => {
            if (saved === undefined) delete process.env.ROOT_ADDRESS;
            else process.env.ROOT_ADDRESS = saved;
        });

        it('is used when --root is absent, and named when missing or invalid', async () => {
            delete process.env.ROOT_ADDRESS;
            expect(await h.refused('showRoot', [])).toContain('missing the Root address: pass --root <address> or set ROOT_ADDRESS');
            process.env.ROOT_ADDRESS = 'not-an-address';
            expect(await h.refused('showRoot', [])).toContain('invalid ROOT_ADDRESS "not-an-address"');
            process.env.ROOT_ADDRESS = root.toRawString();
            expect(await h.run('showRoot', [])).toContain(`Root: ${root.toString()}`);
        });
    });

    it('names the address when no Root is deployed there', async () => {
        const wallet = h.stranger.address.toString();
        const empty = new Address(0, Buffer.alloc(32, 7));
        expect(await h.refused('showRoot', ['--root', empty.toString()])).toContain(`no active contract at ${empty.toString()}`);
        expect(await h.refused('showRoot', ['--root', wallet])).toContain('does not answer as a Cocoon Root');
    });

    it('scripts/README.md gives every script with the usage line the script prints', async () => {
        const readme = readFileSync('scripts/README.md', 'utf8');
        const scripts = readdirSync('scripts').filter((f) => f.endsWith('.ts'));
        expect(scripts.length).toBe(41);
        for (const file of scripts) {
            const usage = (await h.refused(file.replace(/\.ts$/, ''), ['--no-such-option'])).split('\nUsage: ')[1];
            expect(readme).toContain(usage);
        }
    });
});
