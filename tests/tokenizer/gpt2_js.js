// gpt2_js.js PACKAGE_DIR FILE — the reference: token ids of every document of
// FILE (uncompressed text, documents separated by empty lines, each document's
// text = its lines with their newlines, as shang_text.h defines), one document
// per output line, by the JS encoder of the npm package gpt-3-encoder 1.1.4.
const path = require('path');
const fs = require('fs');
const { encode } = require(path.resolve(process.argv[2], 'Encoder.js'));
const text = fs.readFileSync(process.argv[3], 'utf8');
const lines = text.split('\n');
const out = [];
let doc = [];
const flush = () => { if (doc.length) out.push(encode(doc.join('')).join(' ')); doc = []; };
for (let i = 0; i < lines.length; i++) {
  const last = i === lines.length - 1;
  if (lines[i] === '') { if (!last) flush(); continue; }
  doc.push(last ? lines[i] : lines[i] + '\n');
}
flush();
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
