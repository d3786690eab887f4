import fc from 'fast-check';

const alphabet = '0123456789abcdefABCDEF:.%z-';
const valid = fc.oneof(fc.ipV4(), fc.ipV6());

/**
 * Address-like text for property tests of the address parsers: random strings over the characters
 * addresses use, valid IPv4/IPv6 (fast-check's generators, incl. embedded IPv4), inet_aton forms (octal,
 * hex, shorthand), zone suffixes, and valid addresses with one character inserted (leading zeros, a
 * second `::`, a stray dot).
 */
export const ipTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 48 }),
  valid,
  fc.ipV4Extended(),
  fc.tuple(fc.ipV6(), fc.constantFrom('%eth0', '%', '%1', '%a%b')).map(([a, z]) => a + z),
  fc.tuple(valid, fc.nat(), fc.constantFrom('0', '00', ':', '::', '.', 'A')).map(([a, i, c]) => {
    const at = i % (a.length + 1);
    return a.slice(0, at) + c + a.slice(at);
  }),
);
