/** Bytes from hex text: whitespace and `//` comments (the dissection) are ignored; "'abc'" is ASCII. */
export function hex(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const line of text.split('\n')) {
    const code = line.replace(/\/\/.*$/, '');
    for (const tok of code.match(/'[^']*'|[0-9a-fA-F]+/g) ?? []) {
      if (tok.startsWith("'")) parts.push(Buffer.from(tok.slice(1, -1), 'latin1'));
      else {
        if (tok.length % 2 !== 0) throw new Error(`odd hex token ${tok}`);
        parts.push(Buffer.from(tok, 'hex'));
      }
    }
  }
  return Buffer.concat(parts);
}
