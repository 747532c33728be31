/**
 * cocoon-attest (tools/attest/cli.ts): in process through main() for speed, and once as a real
 * process through `npm run attest` for the exit status. Bad input exits non-zero with a message
 * naming the problem: 2 for usage and unreadable files, 1 for a refused quote (with its code).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../tools/attest/cli';
import { parseQuote } from '../../worker/src/attestation/quote';

const REPO = join(__dirname, '../..');
const SAMPLE = join(REPO, 'tests/fixtures/tdx/sample-tdx-quote-v4.bin');
const COLLATERAL = join(REPO, 'tests/fixtures/tdx/sample-tdx-quote-v4.collateral.json');
const IMAGE = '0xc36fdfa4bc49368f73e1b9434f87b4941b4ec2a94d35704b6636726caeef05ad';

async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
}

let tmp: string;
beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), 'cocoon-attest-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cocoon-attest show', () => {
    it("prints the sample's fields, image hash and the root its chain names", async () => {
        const r = await run('show', SAMPLE);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(new RegExp(`image hash\\s+${IMAGE}`));
        expect(r.out).toMatch(/MRTD\s+91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7/);
        expect(r.out).toMatch(/TD attributes\s+0x0000000010000000 \(debug: no/);
        expect(r.out).toContain('CN=Intel SGX PCK Certificate');
        expect(r.out).toContain('0xa512ddae5b8a05fd0738d708f29ddccaca53aad8b3698e77194cb05cc0723e89 (Intel SGX Root CA)');
    });

    it('prints JSON with --json', async () => {
        const r = await run('show', SAMPLE, '--json');
        const j = JSON.parse(r.out);
        expect([j.version, j.body, j.imageHash, j.padding]).toEqual([4, 'TDX1.0', IMAGE, 70]);
    });

    it('names the problem in a truncated quote, and a missing file', async () => {
        const cut = join(tmp, 'cut.bin');
        writeFileSync(cut, readFileSync(SAMPLE).subarray(0, 700));
        const r = await run('show', cut);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/QUOTE_TRUNCATED: signature data needs bytes 636\.\.4935, the quote has 700 bytes/);
        const m = await run('show', join(tmp, 'missing.bin'));
        expect(m.code).toBe(2);
        expect(m.err).toMatch(/cannot read quote ".*missing.bin": ENOENT/);
    });
});

describe('cocoon-attest verify', () => {
    it('verifies the sample against the Intel root and its collateral inside the validity', async () => {
        const r = await run(
            'verify',
            SAMPLE,
            '--root',
            'intel',
            '--collateral',
            COLLATERAL,
            '--at',
            '2025-07-01T00:00:00Z',
            '--image',
            IMAGE,
        );
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/verified\s+yes, at 2025-07-01T00:00:00.000Z/);
        expect(r.out).toMatch(/TCB\s+UpToDate \(FMSPC b0c06f000000/);
        expect(r.out).toMatch(new RegExp(`image hash\\s+${IMAGE}, allowed`));
    });

    it('refuses it outside the validity, with another root, or another image, naming the reason', async () => {
        const late = await run('verify', SAMPLE, '--root', 'intel', '--collateral', COLLATERAL, '--at', '2025-08-01T00:00:00Z');
        expect([late.code, late.err]).toEqual([
            1,
            expect.stringContaining('refused: COLLATERAL_EXPIRED: tcb_info is valid until 2025-07-19'),
        ]);
        const root = await run('verify', SAMPLE, '--root', 'test', '--at', '2025-07-01T00:00:00Z');
        expect([root.code, root.err]).toEqual([1, expect.stringContaining('ROOT_NOT_TRUSTED')]);
        const image = await run('verify', SAMPLE, '--root', 'intel', '--at', '2025-07-01T00:00:00Z', '--image', '0x' + '11'.repeat(32));
        expect([image.code, image.err]).toEqual([1, expect.stringContaining('IMAGE_NOT_ALLOWED')]);
    });

    it('refuses bad arguments with exit status 2 and a message naming them', async () => {
        const cases: [string[], RegExp][] = [
            [['verify', SAMPLE], /needs at least one --root/],
            [['verify', SAMPLE, '--root', 'nonsense'], /--root must be 64 hex digits, got "nonsense"/],
            [['verify', SAMPLE, '--root', 'intel', '--at', 'yesterday'], /--at must be an ISO time/],
            [['verify', SAMPLE, '--root', 'intel', '--report-data', 'abcd'], /--report-data must be 128 hex digits/],
            [['verify', SAMPLE, '--root', 'intel', '--collateral', SAMPLE], /collateral ".*": COLLATERAL_MALFORMED/],
            [['verify', SAMPLE, '--root'], /--root needs a value/],
            [['verify', SAMPLE, '--frobnicate'], /unknown option --frobnicate/],
            [['attest'], /unknown command "attest"/],
            [[], /Usage: cocoon-attest/],
        ];
        for (const [argv, message] of cases) {
            const r = await run(...argv);
            expect([argv.join(' '), r.code]).toEqual([argv.join(' '), 2]);
            expect(r.err + r.out).toMatch(message);
        }
    });
});

describe('cocoon-attest simulate', () => {
    it('writes a simulated quote for the given registers, which verify accepts only under --test', async () => {
        const out = join(tmp, 'sim.bin');
        const coll = join(tmp, 'sim.json');
        const rtmr3 = 'ab'.repeat(48);
        const r = await run(
            'simulate',
            '--out',
            out,
            '--rtmr3',
            rtmr3,
            '--report-data',
            '01'.repeat(64),
            '--quote-version',
            '5',
            '--body',
            'tdx1.5',
            '--collateral-out',
            coll,
            '--valid-from',
            '2025-01-01T00:00:00Z',
            '--valid-until',
            '2035-01-01T00:00:00Z',
        );
        expect(r.code).toBe(0);
        const q = parseQuote(readFileSync(out));
        expect([q.version, q.body.type, q.body.registers.rtmr3.toString('hex')]).toEqual([5, 'TDX1.5', rtmr3]);
        expect(r.out).toContain(`image hash        0x${q.imageHash.toString(16).padStart(64, '0')}`);
        expect(r.out).toContain('simulated TEST root');

        const prod = await run('verify', out, '--root', 'test', '--collateral', coll);
        expect([prod.code, prod.err]).toEqual([1, expect.stringContaining('SIMULATED_ON_PRODUCTION')]);
        const test = await run('verify', out, '--root', 'test', '--test', '--collateral', coll, '--report-data', '01'.repeat(64), '--json');
        expect(test.code).toBe(0);
        expect(JSON.parse(test.out)).toMatchObject({ verified: true, reportDataChecked: true, tcb: { status: 'UpToDate' } });
    });

    it('writes a debug TD that verify refuses with DEBUG_TD', async () => {
        const out = join(tmp, 'debug.bin');
        expect((await run('simulate', '--out', out, '--debug')).code).toBe(0);
        const r = await run('verify', out, '--root', 'test', '--test');
        expect([r.code, r.err]).toEqual([1, expect.stringContaining('DEBUG_TD')]);
    });

    it('refuses bad registers and options, naming them', async () => {
        const out = join(tmp, 'x.bin');
        const cases: [string[], RegExp][] = [
            [['simulate'], /needs --out/],
            [['simulate', '--out', out, '--mrtd', 'abc'], /--mrtd must be 96 hex digits, got "abc"/],
            [['simulate', '--out', out, '--quote-version', '3'], /--quote-version must be 4 or 5/],
            [['simulate', '--out', out, '--body', 'tdx1.5'], /give --quote-version 5/],
            [['simulate', '--out', out, '--collateral-out', join(tmp, 'c.json')], /needs --valid-from and --valid-until/],
        ];
        for (const [argv, message] of cases) {
            const r = await run(...argv);
            expect([argv.join(' '), r.code]).toEqual([argv.join(' '), 2]);
            expect(r.err).toMatch(message);
        }
    });
});

describe('npm run attest', () => {
    it('runs the tool as a process: exit 0 on the sample, non-zero naming the problem on a bad quote', () => {
        const ok = spawnSync('npm', ['run', '--silent', 'attest', '--', 'show', SAMPLE, '--json'], { cwd: REPO, encoding: 'utf8' });
        expect(ok.status).toBe(0);
        expect(JSON.parse(ok.stdout).imageHash).toBe(IMAGE);
        const bad = join(tmp, 'bad.bin');
        writeFileSync(bad, Buffer.from('not a quote at all'));
        const r = spawnSync('npm', ['run', '--silent', 'attest', '--', 'show', bad], { cwd: REPO, encoding: 'utf8' });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/cocoon-attest: QUOTE_TRUNCATED/);
    });
});
