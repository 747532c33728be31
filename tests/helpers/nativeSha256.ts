/**
 * @ton/crypto with `sha256_sync` on Node's native SHA-256: the same digests, faster. @ton/core
 * hashes every cell it parses (each transaction, each account state) with the pure-JS
 * sha256_sync, about a third of the time of a long sandbox run. A spec opts in with
 *
 *     jest.mock('@ton/crypto', () => jest.requireActual('../helpers/nativeSha256').withNativeSha256());
 *
 * (jest.mock is hoisted above the imports, so its factory loads this module itself.) Speed only:
 * no result changes.
 */
import { createHash } from 'node:crypto';

export function withNativeSha256() {
    const actual = jest.requireActual('@ton/crypto');
    return {
        ...actual,
        sha256_sync: (source: Buffer | string) =>
            createHash('sha256')
                .update(typeof source === 'string' ? Buffer.from(source, 'utf-8') : source)
                .digest(),
    };
}
