// Preload for the benchmark: `node --import ./bench/report-peak.mjs bin/warden.js ...`.
// On exit it writes the process's peak resident set size in KiB (process.resourceUsage().maxRSS,
// getrusage ru_maxrss) to the file named by WARDEN_BENCH_PEAK_FILE. Nothing goes to stdout,
// which carries the audit report. Without the variable it does nothing.
import { writeFileSync } from 'node:fs';

const file = process.env.WARDEN_BENCH_PEAK_FILE;

if (file) {
  process.on('exit', () => {
    writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
