/**
 * Quotes from a real TD through the Linux configfs-tsm interface (Documentation/ABI/testing/
 * configfs-tsm in the kernel): under /sys/kernel/config/tsm/report, every directory a process
 * creates is one report request with these attributes:
 *
 *   provider     (read)  the backend, "tdx_guest" in a TDX guest
 *   generation   (read)  counts writes to the request's attributes
 *   inblob       (write) the 64 bytes of report data
 *   outblob      (read)  the quote, generated on first read
 *
 * One quote: make a fresh directory (never share one: another writer could swap the inblob under
 * us), check the provider, note the generation, write the inblob, read the outblob, and check that
 * the generation moved by exactly our one write; otherwise someone else wrote in between and the
 * quote may be over their data, so try again in a new directory. A read of outblob that fails with
 * EBUSY (the kernel is generating another report) is retried after a pause. Requests from this
 * process are serialised per base path. Finally the directory is removed (rmdir: configfs removes
 * the attributes with it), and the quote is checked to be a TDX quote carrying our report data.
 *
 * The file system is injectable so tests can run this against a fake tree with the kernel's
 * behaviour; production uses node:fs on the real path.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AttestationError, ensure } from './errors';
import { QuoteProvider, REPORT_DATA_BYTES } from './provider';
import { parseQuote } from './quote';

export const TSM_REPORT_PATH = '/sys/kernel/config/tsm/report';
export const TDX_TSM_PROVIDER = 'tdx_guest';

/** The few file operations the provider needs; node:fs by default. */
export interface TsmFs {
    mkdir(path: string): Promise<void>;
    rmdir(path: string): Promise<void>;
    readFile(path: string): Promise<Buffer>;
    writeFile(path: string, data: Buffer): Promise<void>;
}

export const nodeTsmFs: TsmFs = {
    mkdir: async (p) => {
        await fsp.mkdir(p);
    },
    rmdir: (p) => fsp.rmdir(p),
    readFile: (p) => fsp.readFile(p),
    writeFile: (p, d) => fsp.writeFile(p, d),
};

export interface ConfigfsTsmOptions {
    basePath?: string;
    fs?: TsmFs;
    /** Reads of outblob that may fail with EBUSY before giving up. */
    busyRetries?: number;
    /** Pause before the first EBUSY retry; doubles each time, up to one second. */
    busyDelayMs?: number;
    /** Fresh directories to try when another writer interferes. */
    attempts?: number;
}

const queues = new Map<string, Promise<unknown>>();

function errno(e: unknown): string | undefined {
    return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConfigfsTsmProvider implements QuoteProvider {
    readonly kind = 'configfs-tsm' as const;
    readonly basePath: string;
    private readonly fs: TsmFs;
    private readonly busyRetries: number;
    private readonly busyDelayMs: number;
    private readonly attempts: number;

    constructor(opts: ConfigfsTsmOptions = {}) {
        this.basePath = opts.basePath ?? TSM_REPORT_PATH;
        this.fs = opts.fs ?? nodeTsmFs;
        this.busyRetries = opts.busyRetries ?? 20;
        this.busyDelayMs = opts.busyDelayMs ?? 20;
        this.attempts = opts.attempts ?? 3;
    }

    /** One quote at a time per base path within this process. */
    getQuote(reportData: Buffer): Promise<Buffer> {
        if (reportData.length !== REPORT_DATA_BYTES)
            return Promise.reject(new Error(`report data must be ${REPORT_DATA_BYTES} bytes, got ${reportData.length}`));
        const prev = queues.get(this.basePath) ?? Promise.resolve();
        const run = prev.then(
            () => this.generate(reportData),
            () => this.generate(reportData),
        );
        queues.set(
            this.basePath,
            run.catch(() => undefined),
        );
        return run;
    }

    private async generate(reportData: Buffer): Promise<Buffer> {
        let last: AttestationError | undefined;
        for (let attempt = 0; attempt < this.attempts; attempt++) {
            try {
                return await this.once(reportData);
            } catch (e) {
                if (e instanceof AttestationError && e.code === 'TSM_GENERATION_MISMATCH') {
                    last = e;
                    continue;
                }
                throw e;
            }
        }
        throw last!;
    }

    private async once(reportData: Buffer): Promise<Buffer> {
        const dir = join(this.basePath, `cocoon-${process.pid}-${randomBytes(6).toString('hex')}`);
        try {
            await this.fs.mkdir(dir);
        } catch (e) {
            throw new AttestationError(
                'TSM_UNAVAILABLE',
                `cannot create a report request in ${this.basePath} (${errno(e) ?? String(e)}): is this a TDX guest with configfs mounted and the tsm report interface enabled?`,
            );
        }
        try {
            const provider = (await this.read(dir, 'provider')).toString('utf8').trim();
            ensure(
                provider === TDX_TSM_PROVIDER,
                'TSM_PROVIDER_MISMATCH',
                `configfs-tsm provider is "${provider}", expected "${TDX_TSM_PROVIDER}"`,
            );
            const before = await this.generation(dir);
            try {
                await this.fs.writeFile(join(dir, 'inblob'), reportData);
            } catch (e) {
                throw new AttestationError('TSM_UNAVAILABLE', `writing ${join(dir, 'inblob')} failed (${errno(e) ?? String(e)})`);
            }
            const quote = await this.readOutblob(dir);
            const after = await this.generation(dir);
            ensure(
                after === before + 1,
                'TSM_GENERATION_MISMATCH',
                `generation went from ${before} to ${after} around our one write: another writer used ${dir}`,
            );
            const body = parseQuote(quote).body;
            ensure(body.reportData.equals(reportData), 'TSM_GENERATION_MISMATCH', 'the quote carries other report data than we wrote');
            return quote;
        } finally {
            await this.fs.rmdir(dir).catch(() => undefined);
        }
    }

    private async read(dir: string, name: string): Promise<Buffer> {
        try {
            return await this.fs.readFile(join(dir, name));
        } catch (e) {
            throw new AttestationError('TSM_UNAVAILABLE', `reading ${join(dir, name)} failed (${errno(e) ?? String(e)})`);
        }
    }

    private async generation(dir: string): Promise<number> {
        const s = (await this.read(dir, 'generation')).toString('utf8').trim();
        ensure(/^\d+$/.test(s), 'TSM_UNAVAILABLE', `generation "${s}" is not a number`);
        return Number(s);
    }

    private async readOutblob(dir: string): Promise<Buffer> {
        let delay = this.busyDelayMs;
        for (let i = 0; ; i++) {
            try {
                return await this.fs.readFile(join(dir, 'outblob'));
            } catch (e) {
                if (errno(e) !== 'EBUSY')
                    throw new AttestationError('TSM_UNAVAILABLE', `reading ${join(dir, 'outblob')} failed (${errno(e) ?? String(e)})`);
                if (i >= this.busyRetries)
                    throw new AttestationError('TSM_BUSY', `outblob stayed busy (EBUSY) through ${this.busyRetries} retries`);
                await sleep(delay);
                delay = Math.min(1000, delay * 2);
            }
        }
    }
}
