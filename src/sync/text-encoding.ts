/** The reason for a line whose bytes were not UTF-8 (decoded as U+FFFD): written, its text would be mangled. */
export const NOT_UTF8 = 'the line is not valid UTF-8: check the encoding of the Campaign export';

/** True when decoding met bytes that are not UTF-8 (the decoder puts U+FFFD in their place). */
export function isMisdecoded(text: string): boolean {
  return text.includes('\uFFFD');
}
