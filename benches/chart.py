#!/usr/bin/env python3
"""Draws BENCHMARKS.md's chart from criterion's output.

Reads target/criterion/<group>/<benchmark>/<input>/new/estimates.json (the median, in ns) for
the scenario groups below and writes an SVG: one panel per scenario, one bar per peer, each
bar's length the peer's median time relative to grpool's (shorter is faster).

    cargo bench -p grpool-benches --bench pools
    python3 benches/chart.py [target/criterion] [benches/chart.svg]
"""
import json
import os
import sys
from pathlib import Path

GROUPS = ["tiny", "tiny-4-producers", "sleep", "burst-default"]
COLORS = {"grpool": "#2b7a78"}
OTHER = "#9aa5b1"


def medians(root: Path, group: str) -> dict:
    found = {}
    for estimates in sorted((root / group).glob("*/*/new/estimates.json")):
        peer = estimates.parts[-4]
        with open(estimates) as f:
            found[peer] = json.load(f)["median"]["point_estimate"]
    return found


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "benches/chart.svg")
    panels = [(g, medians(root, g)) for g in GROUPS]
    panels = [(g, m) for g, m in panels if m]
    if not panels:
        sys.exit(f"no criterion results under {root}; run `cargo bench -p grpool-benches --bench pools` first")
    width, bar_h, gap, left, right = 760, 18, 6, 170, 120
    height = 40 + sum(30 + len(m) * (bar_h + gap) for _, m in panels)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="22" font-size="15" font-weight="bold">Median time relative to grpool (shorter is faster)</text>',
    ]
    y = 40
    for group, m in panels:
        base = m.get("grpool") or min(m.values())
        worst = max(v / base for v in m.values())
        scale = (width - left - right) / max(worst, 1.0)
        svg.append(f'<text x="10" y="{y + 14}" font-weight="bold">{group}</text>')
        y += 22
        for peer, ns in sorted(m.items(), key=lambda kv: kv[1]):
            ratio = ns / base
            w = max(ratio * scale, 1)
            color = COLORS.get(peer.split("-limit")[0] if peer.startswith("grpool") else peer, OTHER)
            svg.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{peer}</text>')
            svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
            label = f"{ratio:.2f}x  ({ns / 1e6:.1f} ms)"
            svg.append(f'<text x="{left + w + 6:.1f}" y="{y + 13}">{label}</text>')
            y += bar_h + gap
        y += 8
    svg.append("</svg>")
    out.write_text("\n".join(svg) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
