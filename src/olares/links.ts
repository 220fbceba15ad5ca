// Where a person opens what the box serves, derived as the box names its hosts. These are the
// user's browser URLs, not API endpoints: they ignore OLARES_URL_TEMPLATE, which may point the
// server itself at a tunnel or a simulator.
import { createHash } from 'node:crypto';
import type { AppDetail } from './marketWire.js';

/**
 * An app's entrances: the app id is the first 8 hex digits of md5(app name) (app-service
 * GetAppID, framework/app-service/pkg/utils/app/app.go; test/fixtures/wire/market/
 * apps-detail-entrances.json), one entrance is served at `https://<app id>.<terminus>`, and with
 * several each gets its position appended to the id.
 */
export function entranceUrls(
  app: string,
  detail: Pick<AppDetail, 'entrances' | 'entranceCount'>,
  terminus: string,
): Array<{ name: string; title?: string; url: string }> {
  const appId = createHash('md5').update(app).digest('hex').slice(0, 8);
  return detail.entrances.map((e) => ({
    name: e.name,
    title: e.title,
    url: `https://${appId}${detail.entranceCount > 1 ? e.index : ''}.${terminus}`,
  }));
}

/**
 * A public share: `https://share.<terminus>/sharable-link/<id>/` (docs/wire/files.md#shares,
 * from beclab/Olares cli skill references/olares-files-share.md; the CLI prints the same path on
 * the share host).
 */
export function publicShareUrl(shareId: string, terminus: string): string {
  return `https://share.${terminus}/sharable-link/${encodeURIComponent(shareId)}/`;
}
