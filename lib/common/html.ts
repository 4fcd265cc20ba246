// What an HTML page is, in a few words for an error message: a proxy's login page or a web
// server's error page where a Plex answer was expected.

/** The page's <title>, trimmed, at most 80 characters; undefined when it has none (or an empty one). */
export function htmlTitle(head: string): string | undefined {
  const title = /<title[^>]*>([^<]{0,80})/i.exec(head)?.[1]?.trim();
  return title || undefined;
}

/** "an HTML page" naming its title when it has one, from the start of the page. */
export function describeHtmlPage(head: string): string {
  const title = htmlTitle(head);
  return title ? `an HTML page ("${title}")` : 'an HTML page';
}
