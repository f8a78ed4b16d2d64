#!/usr/bin/env bash
# Rewrites the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the
# recorded games (../shared/conformance, or $SPECTRA_CONFORMANCE).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
cargo run --quiet --example corpus
du -sh corpus/*
