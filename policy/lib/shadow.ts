/**
 * A mesh callee in shadow, as the pack sees it on its site: the tag with its last day and the app
 * setting that puts the token library in report-only mode (components write both).
 */
import { AppSettingNames } from "@service-edges/contract/app-settings";
import { isDay } from "@service-edges/contract/dates";
import { SHADOW_UNTIL_TAG } from "@service-edges/contract/shadow";

export { SITE_TYPES } from "./types";

/** The app setting that puts the token library in report-only mode. */
const ENFORCEMENT_SETTING = AppSettingNames.enforcement;

type Props = Record<string, unknown>;

/**
 * A site in shadow: its tag names a valid last day and its app settings switch the token library
 * to report-only. Both, or it is not shadow (an open site without report-only is just open).
 */
export function shadowUntilOfSite(props: Props): string | undefined {
  const tags = props.tags as Record<string, unknown> | undefined;
  const until = tags?.[SHADOW_UNTIL_TAG];
  if (!isDay(until)) return undefined;
  const settings = (props.siteConfig as Props | undefined)?.appSettings;
  const reportOnly =
    Array.isArray(settings) &&
    settings.some(
      (s: Props) =>
        typeof s?.name === "string" &&
        s.name.toUpperCase() === ENFORCEMENT_SETTING &&
        s.value === "shadow",
    );
  return reportOnly ? until : undefined;
}

export function siteName(props: Props, fallback: string): string {
  return typeof props.name === "string" ? props.name : fallback;
}
