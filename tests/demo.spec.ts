import { main } from '../tools/demo/root';

// `npm run demo` is the README's first command after install: keep it working.
it('the Root demo runs every step, refusing the early execution and revoking at once', async () => {
    const lines: string[] = [];
    await main((l) => lines.push(l));
    const out = lines.join('\n');
    expect(out).toMatch(/refused: Not sent: proposal #0 is not executable yet/);
    expect(out).toMatch(/Proposal #0 executed: allow image 0x[0-9a-f]{64} for worker, proxy/);
    expect(out).toMatch(/Proposal #1 executed: allow model/);
    expect(out).toMatch(/Proxy directory \(1 of at most 64\)/);
    expect(out).toMatch(/configVersion is now 6/);
    // the listed proxy's image lost the proxy role: showRoot must flag the entry
    expect(out).toMatch(/STALE: its image is no longer allowed for the proxy role/);
});
