/**
 * `$skiptoken` values shaped like Dataverse's paging cookie
 * (`<cookie pagenumber="2" pagingcookie="..." istracking="False" />`), carrying our own position opaquely.
 * Clients must replay next links verbatim; nothing here is meant to be parsed by them.
 */
export function encodeSkipToken(pageNumber: number, position: unknown, tracking: boolean): string {
  const cookie = Buffer.from(JSON.stringify(position)).toString('base64url');
  return `<cookie pagenumber="${pageNumber}" pagingcookie="${cookie}" istracking="${tracking ? 'True' : 'False'}" />`;
}

export interface DecodedSkipToken<T> {
  pageNumber: number;
  position: T;
}

/** Returns undefined when the token was not issued by us (the caller answers 400). */
export function decodeSkipToken<T>(token: string): DecodedSkipToken<T> | undefined {
  const match = /pagenumber="(\d+)" pagingcookie="([A-Za-z0-9_-]*)"/.exec(token);
  if (!match) return undefined;
  try {
    return {
      pageNumber: Number(match[1]),
      position: JSON.parse(Buffer.from(match[2] ?? '', 'base64url').toString('utf8')) as T,
    };
  } catch {
    return undefined;
  }
}
