"""Work after the audit: review verdicts and allowlists, the daily review sample, the per-agent rollup."""
