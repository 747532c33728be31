/**
 * The configfs-tsm provider against a fake report tree this test creates in a temporary directory.
 * The provider does its real file operations under the injected base path; the fake adds what the
 * kernel would do: populate a new request directory with `provider` and `generation`, count writes
 * in `generation`, answer a read of `outblob` with a quote over the `inblob` (a simulated one), and
 * remove the attributes on rmdir. Knobs make it busy (EBUSY), report another provider, or let
 * "another writer" touch the request.
 */
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ConfigfsTsmProvider, nodeTsmFs, TsmFs } from '../../worker/src/attestation/configfsTsm';
import { AttestationError } from '../../worker/src/attestation/errors';
import { parseQuote } from '../../worker/src/attestation/quote';
import { SimulatedAttestor } from '../../worker/src/attestation/simulated';
import { QuoteVerifier } from '../../worker/src/attestation/verify';

class FakeTsmKernel implements TsmFs {
    provider = 'tdx_guest';
    /** Reads of outblob that fail with EBUSY before one succeeds. */
    busy = 0;
    /** Requests in which another writer bumps the generation after our write. */
    interfere = 0;
    readonly log: string[] = [];
    active = 0;
    maxActive = 0;
    private readonly attestor = new SimulatedAttestor();

    constructor(readonly base: string) {}

    async mkdir(p: string) {
        await fsp.mkdir(p); // ENOENT if the base path is not there, as with configfs not mounted
        this.log.push(`mkdir ${basename(p)}`);
        this.maxActive = Math.max(this.maxActive, ++this.active);
        await fsp.writeFile(join(p, 'provider'), this.provider + '\n');
        await fsp.writeFile(join(p, 'generation'), '0\n');
    }

    async rmdir(p: string) {
        this.log.push(`rmdir ${basename(p)}`);
        this.active--;
        await fsp.rm(p, { recursive: true });
    }

    async readFile(p: string) {
        if (basename(p) === 'outblob') {
            if (this.busy > 0) {
                this.busy--;
                this.log.push('outblob EBUSY');
                throw Object.assign(new Error('EBUSY: resource busy'), { code: 'EBUSY' });
            }
            const inblob = await fsp.readFile(join(dirname(p), 'inblob'));
            await fsp.writeFile(p, this.attestor.quote({ reportData: inblob }));
        }
        return fsp.readFile(p);
    }

    async writeFile(p: string, data: Buffer) {
        await fsp.writeFile(p, data);
        const genFile = join(dirname(p), 'generation');
        let gen = Number((await fsp.readFile(genFile, 'utf8')).trim()) + 1;
        if (this.interfere > 0) {
            this.interfere--;
            gen++; // another process wrote this request's inblob too
        }
        await fsp.writeFile(genFile, `${gen}\n`);
        this.log.push(`write ${basename(p)} (${data.length} bytes)`);
    }
}

let tmp: string;
let kernel: FakeTsmKernel;
let provider: ConfigfsTsmProvider;
const REPORT_DATA = Buffer.alloc(64, 0x5a);

beforeEach(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cocoon-tsm-'));
    const base = join(tmp, 'tsm/report');
    await fsp.mkdir(base, { recursive: true });
    kernel = new FakeTsmKernel(base);
    provider = new ConfigfsTsmProvider({ basePath: base, fs: kernel, busyDelayMs: 1 });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

describe('configfs-tsm provider', () => {
    it('makes a fresh request, writes the 64-byte inblob, reads the outblob, and removes the request', async () => {
        const quote = await provider.getQuote(REPORT_DATA);
        expect(parseQuote(quote).body.reportData.equals(REPORT_DATA)).toBe(true);
        expect(new QuoteVerifier().verifyEvidence(quote).imageHash).toBe(parseQuote(quote).imageHash);
        expect(kernel.log.map((l) => l.replace(/cocoon-\d+-[0-9a-f]+/, 'DIR'))).toEqual([
            'mkdir DIR',
            'write inblob (64 bytes)',
            'rmdir DIR',
        ]);
        expect(await fsp.readdir(kernel.base)).toEqual([]);
    });

    it('uses a new directory for every quote', async () => {
        await provider.getQuote(REPORT_DATA);
        await provider.getQuote(REPORT_DATA);
        const dirs = kernel.log.filter((l) => l.startsWith('mkdir')).map((l) => l.slice(6));
        expect(new Set(dirs).size).toBe(2);
    });

    it('retries a busy outblob and then succeeds', async () => {
        kernel.busy = 3;
        const quote = await provider.getQuote(REPORT_DATA);
        expect(parseQuote(quote).body.reportData.equals(REPORT_DATA)).toBe(true);
        expect(kernel.log.filter((l) => l === 'outblob EBUSY')).toHaveLength(3);
    });

    it('gives up with TSM_BUSY when the outblob stays busy', async () => {
        kernel.busy = 1000;
        const p = new ConfigfsTsmProvider({ basePath: kernel.base, fs: kernel, busyDelayMs: 1, busyRetries: 4 });
        expect(await codeOf(p.getQuote(REPORT_DATA))).toBe('TSM_BUSY');
        expect(kernel.log.filter((l) => l === 'outblob EBUSY')).toHaveLength(5);
        expect(await fsp.readdir(kernel.base)).toEqual([]);
    });

    it('refuses a provider other than tdx_guest (TSM_PROVIDER_MISMATCH)', async () => {
        kernel.provider = 'sev_guest';
        expect(await codeOf(provider.getQuote(REPORT_DATA))).toBe('TSM_PROVIDER_MISMATCH');
        expect(await fsp.readdir(kernel.base)).toEqual([]);
    });

    it('notices another writer through the generation and retries in a new directory', async () => {
        kernel.interfere = 1;
        const quote = await provider.getQuote(REPORT_DATA);
        expect(parseQuote(quote).body.reportData.equals(REPORT_DATA)).toBe(true);
        expect(kernel.log.filter((l) => l.startsWith('mkdir'))).toHaveLength(2);
    });

    it('gives up with TSM_GENERATION_MISMATCH when every attempt is interfered with', async () => {
        kernel.interfere = 100;
        expect(await codeOf(provider.getQuote(REPORT_DATA))).toBe('TSM_GENERATION_MISMATCH');
        expect(kernel.log.filter((l) => l.startsWith('mkdir'))).toHaveLength(3);
    });

    it('serialises concurrent requests', async () => {
        kernel.busy = 2;
        const datas = [1, 2, 3, 4].map((i) => Buffer.alloc(64, i));
        const quotes = await Promise.all(datas.map((d) => provider.getQuote(d)));
        quotes.forEach((q, i) => expect(parseQuote(q).body.reportData.equals(datas[i])).toBe(true));
        expect(kernel.maxActive).toBe(1);
    });

    it('a failed request does not block the next one', async () => {
        kernel.provider = 'other';
        expect(await codeOf(provider.getQuote(REPORT_DATA))).toBe('TSM_PROVIDER_MISMATCH');
        kernel.provider = 'tdx_guest';
        expect(await codeOf(provider.getQuote(REPORT_DATA))).toBe('ok');
    });

    it('says TSM_UNAVAILABLE when the report directory is not there (no TDX, configfs not mounted)', async () => {
        const p = new ConfigfsTsmProvider({ basePath: join(tmp, 'no/such/tsm/report'), fs: nodeTsmFs });
        const e = await p.getQuote(REPORT_DATA).catch((x: AttestationError) => x);
        expect(e).toBeInstanceOf(AttestationError);
        expect((e as AttestationError).code).toBe('TSM_UNAVAILABLE');
        expect((e as Error).message).toMatch(/ENOENT.*configfs/);
    });

    it('refuses report data that is not 64 bytes before touching the tree', async () => {
        await expect(provider.getQuote(Buffer.alloc(32))).rejects.toThrow(/64 bytes/);
        expect(kernel.log).toEqual([]);
    });
});
