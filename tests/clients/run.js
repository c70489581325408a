// Drives real JavaScript linked-data clients for tests/test_clients.py; prints what
// each one got as N-Quads on standard output (the graph names kept, so that the
// test can look at the default graph).
//
//   node run.js dereference URL     rdf-dereference: the quads of the document at URL
//   node run.js jsonld-expand URL   jsonld.js: expand(URL), then toRDF of that
//   node run.js jsonld-to-rdf URL   jsonld.js: toRDF(URL)
//
// Comunica is run by its own command, node_modules/.bin/comunica-sparql.
"use strict";

const jsonld = require("jsonld");
const { Writer } = require("n3");
const { rdfDereferencer } = require("rdf-dereference");

function nquads(quads) {
  return new Promise((resolve, reject) => {
    const writer = new Writer({ format: "N-Quads" });
    writer.addQuads(quads);
    writer.end((error, text) => (error ? reject(error) : resolve(text)));
  });
}

async function dereference(url) {
  const { data } = await rdfDereferencer.dereference(url);
  const quads = [];
  for await (const quad of data) {
    quads.push(quad);
  }
  return nquads(quads);
}

const commands = {
  dereference,
  "jsonld-expand": async (url) =>
    jsonld.toRDF(await jsonld.expand(url), { format: "application/n-quads" }),
  "jsonld-to-rdf": (url) => jsonld.toRDF(url, { format: "application/n-quads" }),
};

async function main([command, url]) {
  if (!(command in commands) || !url) {
    throw new Error(`usage: node run.js ${Object.keys(commands).join("|")} URL`);
  }
  process.stdout.write(await commands[command](url));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
